"""An example production configuration. Copy, fill in from your secret store, and
point REGISTRY_CONFIG at it. Never commit real secrets."""

DATABASE_URL = "postgresql+psycopg://registry@db.internal/registry"
SEARCH_URL = "https://search.internal:9200"
INSTANCE_PATH = "/var/lib/registry"
