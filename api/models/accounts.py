"""Staff accounts, partner-agency API clients, refresh tokens and login failures."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, utcnow


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(500))
    org_code: Mapped[str] = mapped_column(ForeignKey("organizations.code"), index=True)
    roles: Mapped[list[str]] = mapped_column()
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped when the account is disabled or its roles change: older access tokens stop working.
    token_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiClient(Base):
    """A partner agency's integration, authenticating with OAuth2 client credentials."""

    __tablename__ = "api_clients"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(500))
    org_code: Mapped[str] = mapped_column(ForeignKey("organizations.code"), index=True)
    scopes: Mapped[list[str]] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    # Set when the token was rotated (used to refresh): presenting it again means it was copied.
    replaced_by: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """Failed log-ins, kept in the database so that throttling holds across server processes."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_subject_at", "subject", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column()


class RevokedToken(Base):
    """Access tokens revoked before they expire (logout); rows may be purged after expiry."""

    __tablename__ = "revoked_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()
