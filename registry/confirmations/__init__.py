"""The confirmation gate (Art. 15): checks, issue/revoke/verify, signing, documents."""
