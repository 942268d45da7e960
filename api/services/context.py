"""What a use case needs to know about the request it serves."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from api.services.audit import AuditTrail
from domain.access import Principal


@dataclass
class Context:
    session: Session
    principal: Principal
    audit: AuditTrail
    today: date
