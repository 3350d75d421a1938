"""Every configuration key with its embedded default (the `make run` setup).

Environment variables override: REGISTRY_DATABASE_URL, REGISTRY_SEARCH_URL,
REGISTRY_INSTANCE_PATH, and any key here as REGISTRY_<KEY> (JSON-decoded when
it parses as JSON). Nothing is read at import time.
"""

# None: a SQLite file registry.db in the instance folder.
DATABASE_URL = None
# None: the database's own full-text search (built-in backend).
SEARCH_URL = None
# None: ./instance beside the working directory.
INSTANCE_PATH = None

SQL_ECHO = False
SECRET_KEY = None  # None: generated into the instance folder on first start

# Catalog code lists that are local to a county or province.
EXTRA_UPDATE_CYCLES = ["每半年", "不定期", "其他"]
SHARE_REQUEST_DEADLINE_DAYS = 10
# Some provinces identify departments by their own organisation codes: a regex
# accepted besides the GB 32100 unified social credit code. None: credit codes only.
DEPARTMENT_CODE_PATTERN = None


# Art. 7/8 thresholds in 万元 *(local)*.
PRELIMINARY_DESIGN_THRESHOLD = 1000
CITY_REVIEW_THRESHOLD = 500

DEMO_LOAD_WHEN_EMPTY = True
