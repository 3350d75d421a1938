"""Every configuration key with its embedded default (the `make run` setup).

Environment variables override: REGISTRY_DATABASE_URL, REGISTRY_SEARCH_URL,
REGISTRY_INSTANCE_PATH, and any key here as REGISTRY_<KEY> (JSON-decoded when
it parses as JSON). Nothing is read at import time.
"""

# None: a SQLite file registry.db in the instance folder.
DATABASE_URL = None
# None: the database's own full-text search (built-in backend). Otherwise the search
# engine's address: opensearch+http(s)://host:port or elasticsearch+http(s)://host:port
# (a plain http(s):// address is asked which engine it is).
SEARCH_URL = None
# None: ./instance beside the working directory.
INSTANCE_PATH = None

SQL_ECHO = False
# SQLite: seconds a writer waits for the database's write lock; then the request is
# answered 503 with Retry-After (never a 500).
DATABASE_BUSY_TIMEOUT = 30
# The deployment's time zone *(local)*: confirmation numbers take its year, deadlines
# its dates, pages show its times. Stored timestamps are UTC.
LOCAL_TIMEZONE = "Asia/Shanghai"
SECRET_KEY = None  # None: generated into the instance folder on first start

# Web sessions (signed cookies): signed out after this many idle minutes. The cookie is
# HttpOnly and SameSite=Lax always, and Secure when PUBLIC_BASE_URL is https.
SESSION_IDLE_MINUTES = 30
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "registry_session"
# CSRF tokens (Flask-WTF) are checked by the web layer itself, on every form it serves;
# the JSON API takes bearer tokens only for writes, so it has no forms to protect.
WTF_CSRF_CHECK_DEFAULT = False

# Catalog code lists that are local to a county or province.
EXTRA_UPDATE_CYCLES = ["每半年", "不定期", "其他"]
# 部门职能 beyond catalog_schemas.codes.DEPARTMENT_FUNCTIONS: code → name stems that propose
# it, e.g. {"医保": ["医疗保障局"]} when a county's element dictionary names such a source.
DEPARTMENT_FUNCTIONS_EXTRA: dict[str, list[str]] = {}
SHARE_REQUEST_DEADLINE_DAYS = 10
# Fewer working days where the resource is already served through the platform (some
# provinces: 5); None: the same deadline for every request.
SHARE_REQUEST_DEADLINE_DAYS_ALREADY_SHARED = None
# After the requester supplied what the provider asked for, the provider has the days
# that were left, but at least these for reviewing the new materials (some provinces:
# 2); None: only the days left.
SHARE_REQUEST_DEADLINE_DAYS_AFTER_REPLY = None
# The sharing score's weights *(local)*: served through the platform, requests answered
# on time, requests approved, corrections answered on time (services/scores.py).
SHARING_SCORE_WEIGHTS = {"via_platform": 0.4, "on_time": 0.3, "approved": 0.2, "corrections": 0.1}
# Mail for the inbox's messages (None: the inbox in the pages only). Mails wait in an
# outbox until `registry mail deliver` (or the scheduler) sends them.
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_FROM = "registry@localhost"
MAIL_USERNAME = None
MAIL_PASSWORD = None  # from the environment (REGISTRY_MAIL_PASSWORD), never in a file here
MAIL_STARTTLS = False
# Working days a provider has to answer a 纠错 (dispute of its data).
CORRECTION_DEADLINE_DAYS = 5
# The county's own calendar on top of the official one: ISO dates off, and dates worked.
WORKDAY_EXTRA_HOLIDAYS: list[str] = []
WORKDAY_EXTRA_WORKDAYS: list[str] = []
# Freshness *(local)*: days a published resource may go unchanged for its 更新周期 before
# it becomes a stale_resource finding (cycles not listed are never stale).
FRESHNESS_DAYS = {"每日": 3, "每周": 10, "每月": 40, "每季度": 100, "每年": 400}
# PostgreSQL's pg_dump/pg_restore for `registry backup|restore` (None: found on PATH or
# in /usr/lib/postgresql/*/bin).
PG_BIN_DIR = None
# Logs: one line per request and per job run, to stderr; "json" or "text".
LOG_LEVEL = "INFO"
LOG_FORMAT = "json"
# Who may read /metrics besides administrators (the Prometheus agent's addresses).
METRICS_ALLOW_FROM = ["127.0.0.1/32", "::1/128"]
# Interface health probes (the interface_health job). Only these hosts are probed:
# "host", "host:port" or shell patterns ("*.zwfw.example.gov.cn"); empty: none.
PROBE_ALLOWED_HOSTS: list[str] = []
PROBE_TIMEOUT_SECONDS = 5
PROBE_SLOW_MS = 2000
PROBE_CONCURRENCY = 8
PROBE_HOST_DELAY_SECONDS = 0.5
PROBE_DOWN_AFTER = 3
PROBE_LIMIT = 2000
PROBE_HISTORY_DAYS = 30
# Scheduled jobs (`registry scheduler`): {"interval": seconds} or {"cron": "m h dom mon
# dow"} in LOCAL_TIMEZONE; None: not scheduled (still runnable by `registry jobs run`).
JOB_SCHEDULES = {
    "search_drain": {"interval": 5},
    "mail_deliver": {"interval": 60},
    "sharing_scan": {"cron": "10 1 * * *"},
    "analysis": {"cron": "0 2 * * *"},
    "freshness": {"cron": "30 3 * * *"},
    "confirmation_watch": {"cron": "45 3 * * *"},
    "audit_verify": {"cron": "0 4 * * *"},
    "search_check": {"cron": "0 5 * * 0"},
    "interface_health": {"interval": 900},
}
# The scheduler's leader lease: a leader renews it every SCHEDULER_POLL_SECONDS; a
# standby takes it over once it has not been renewed for SCHEDULER_LEASE_SECONDS.
SCHEDULER_LEASE_SECONDS = 20
SCHEDULER_POLL_SECONDS = 5
# Some provinces identify departments by their own organisation codes: a regex
# accepted besides the GB 32100 unified social credit code. None: credit codes only.
DEPARTMENT_CODE_PATTERN = None


# Art. 7/8 thresholds in 万元 *(local)*.
PRELIMINARY_DESIGN_THRESHOLD = 1000
CITY_REVIEW_THRESHOLD = 500


# Matching data items to data elements: below this confidence a match waits for review.
MATCH_THRESHOLD = 0.8
# Scope overlap between projects (Art. 9(6)): flagged when the shared part of systems,
# resources or non-generic collected elements reaches either bound.
OVERLAP_JACCARD = 0.3
OVERLAP_CONTAINMENT = 0.5
OVERLAP_MIN_SHARED_ELEMENTS = 3
# …and from the data items themselves (registry/graph/items.py): two systems overlap when,
# with at least MIN_ALIGNED items aligned (names alike from ITEM_SIMILARITY up), their
# weighted items reach SYSTEM_JACCARD, their most alike resources RESOURCE_JACCARD, or
# the bigrams of all their items TEXT_JACCARD. An item or bigram held by more than
# max(BOUND_MIN, BOUND_SHARE × the scope's resources) resources weighs nothing (姓名,
# 联系电话… make every pair alike), and elements of the generic family never count.
# Chosen on half of tests/data/overlap_pairs.csv (tests/data/README.md has the figures).
OVERLAP_ITEMS = {
    "min_aligned": 3,
    "system_jaccard": 0.15,
    "resource_jaccard": 0.4,
    "text_jaccard": 0.15,
    "item_similarity": 0.5,
    "bound_min": 15,
    "bound_share": 0.05,
}
# Elements without an authoritative source still count as collected twice when they
# belong to one of these families (the base resources); generic ones (联系电话…) do not.
DUPLICATE_UNSOURCED_FAMILIES = ["人口", "法人单位", "自然资源和空间地理", "社会信用", "电子证照"]

# The confirmation gate (Art. 15) *(local)*: the number pattern, the signing key file
# (None: generated into the instance folder on first use) and the public address that
# printed confirmations point to for verification.
CONFIRMATION_NUMBER_PATTERN = "新数确〔{year}〕{seq}号"
SIGNING_KEY_PATH = None
PUBLIC_BASE_URL = "http://127.0.0.1:8000"
# What the catalog's feeds for other catalogs (the CKAN Action API, DCAT-AP) say about it
# *(local)*: its title and description, the licences a department may choose for its
# entries (id → title and the licence text's address; None: the registry publishes the
# licence as a term of its own vocabulary, /vocab/licence), and the default licence.
# A department sets its own licence, contact point and landing pages (部门发布信息).
CATALOG_TITLE = "政务信息资源目录"
CATALOG_DESCRIPTION = "县政务信息资源目录：各部门登记的信息资源、信息项、共享属性与共享接口"
CATALOG_LICENSES = {
    "gov-data-sharing": {
        "title": "政务数据共享使用（依县政务信息化项目管理办法及共享属性）",
        "url": None,
    },
    "gov-open-data": {"title": "公共数据开放利用（开放属性所列条件）", "url": None},
    "cc-by-4.0": {
        "title": "知识共享署名 4.0 国际（CC BY 4.0）",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    },
    "cc0-1.0": {
        "title": "知识共享 CC0 1.0 公有领域贡献",
        "url": "https://creativecommons.org/publicdomain/zero/1.0/",
    },
}
CATALOG_LICENSE = "gov-data-sharing"
# Entries per page of /catalog.ttl (.jsonld, .rdf), as ckanext-dcat's default.
DCAT_PAGE_SIZE = 100
# The address people use for the catalog's contact point when a department gives none.
CATALOG_CONTACT = {"name": "县大数据中心", "email": None, "phone": None}
# Art. 16: what an acceptance application must include.
ACCEPTANCE_MATERIALS = {
    "construction_summary": "项目建设总结",
    "financial_report": "财务报告",
    "audit_report": "审计报告",
    "sharing_assessment": "集约化建设和信息资源共享评估报告",
    "security_assessment": "安全风险评估报告（含网络安全等级保护测评报告）",
    "crypto_assessment": "密码应用安全性评估报告",
}
# A TrueType/TTC font with Chinese glyphs for PDFs (None: the usual system locations).
PDF_FONT_PATH = None

# Imports: the largest upload, and the largest workbook the command line reads whole
# (bytes). CSV on the command line streams in batches at any size.
IMPORT_MAX_BYTES = 100 * 2**20
# Every request body that is not an upload (JSON): refused with 413 beyond this.
JSON_MAX_BYTES = 2**20
# A workbook is read only up to these bounds: its rows (all sheets) and the size its
# parts unpack to (a 0.7 MB .xlsx can unpack to gigabytes). Beyond them: a clear refusal.
IMPORT_MAX_ROWS = 1_000_000
IMPORT_MAX_UNPACKED_BYTES = 1024 * 2**20

# Search (registry/search/). The engine's index is an alias over dated indices; the
# mapping lives in config/search/. Each write request drains at most this many outbox
# entries after its commit; `registry search drain` takes the rest. After an engine
# failure, requests leave the outbox alone for SEARCH_RETRY_SECONDS.
SEARCH_INDEX = "registry-resources"
SEARCH_DRAIN_PER_REQUEST = 500
# What a request leaves in the outbox is drained by a background thread of the same
# process (tests turn it off: their connection is shared and rolled back).
SEARCH_DRAIN_IN_BACKGROUND = True
SEARCH_RETRY_SECONDS = 30
SEARCH_TIMEOUT_SECONDS = 10
# How often a worker asks whether the data-element dictionary (the synonyms) or the
# departments (the provider facet's labels) changed.
SEARCH_SYNONYMS_RECHECK = 10.0
# Search totals are exact up to this many hits, then "10,000+" with approximate facet
# counts (lower bounds); the same on every backend (the engine's track_total_hits).
SEARCH_TOTAL_BOUND = 10_000
