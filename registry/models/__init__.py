"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from .audit import AuditEvent
from .confirmation import CONFIRMATION_STATUSES, Confirmation, ConfirmationSequence, SigningKey
from .department import Department
from .element import DataElement, DataElementVersion, MatchDecision
from .finding import (
    ACTIVE_STATUSES,
    ART17_KINDS,
    FINDING_KINDS,
    FINDING_STATUSES,
    AnalysisRun,
    Finding,
)
from .flow import Flow
from .imports import CatalogImport
from .interface import Interface, InterfaceProbe, interface_resources
from .jobs import JobRun, JobState, SchedulerLease, apscheduler_jobs
from .notification import MailOutbox, Notification
from .project import Project, ProjectStageChange, project_departments
from .resource import CodeSequence, DataItem, Resource, ResourceVersion, resource_systems
from .search import SearchBody, SearchDocument, SearchOutbox
from .sharing import (
    GRANT_STATUSES,
    OPEN_REQUEST_STATUSES,
    REQUEST_STATUSES,
    Correction,
    Grant,
    ShareRequest,
    UsageObservation,
    UsageReport,
)
from .system import InformationSystem, project_systems
from .user import ROLES, ApiToken, User

__all__ = [
    "ACTIVE_STATUSES",
    "ART17_KINDS",
    "CatalogImport",
    "CONFIRMATION_STATUSES",
    "Confirmation",
    "ConfirmationSequence",
    "SigningKey",
    "FINDING_KINDS",
    "FINDING_STATUSES",
    "AnalysisRun",
    "DataElementVersion",
    "Finding",
    "MatchDecision",
    "ROLES",
    "ApiToken",
    "AuditEvent",
    "CodeSequence",
    "DataElement",
    "DataItem",
    "Department",
    "Flow",
    "GRANT_STATUSES",
    "Grant",
    "OPEN_REQUEST_STATUSES",
    "REQUEST_STATUSES",
    "ShareRequest",
    "Correction",
    "UsageReport",
    "UsageObservation",
    "InformationSystem",
    "Interface",
    "InterfaceProbe",
    "JobRun",
    "JobState",
    "SchedulerLease",
    "apscheduler_jobs",
    "MailOutbox",
    "Notification",
    "Project",
    "ProjectStageChange",
    "Resource",
    "ResourceVersion",
    "SearchBody",
    "SearchDocument",
    "SearchOutbox",
    "User",
    "interface_resources",
    "project_departments",
    "project_systems",
    "resource_systems",
]
