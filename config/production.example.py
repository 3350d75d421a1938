"""An example production configuration. Copy, fill in from your secret store, and
point REGISTRY_CONFIG at it. Never commit real secrets."""

DATABASE_URL = "postgresql+psycopg://registry@db.internal/registry"
SEARCH_URL = "https://search.internal:9200"
INSTANCE_PATH = "/var/lib/registry"
# The address people reach this registry at: printed confirmations carry it in their QR
# code and verification link. Left at the default, paper copies point to 127.0.0.1.
PUBLIC_BASE_URL = "https://registry.example.gov.cn"
# Signing key of the confirmations (SM2): a key file kept outside the instance folder.
SIGNING_KEY_PATH = "/etc/registry/signing-key.json"
# The deployment's time zone: confirmation numbers, deadlines and pages use it.
LOCAL_TIMEZONE = "Asia/Shanghai"
