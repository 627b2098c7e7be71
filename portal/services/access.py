"""Who is asking: the one object every service for owned data takes, and filters by."""

from dataclasses import dataclass, field

from sqlalchemy import Row

from portal.models.accounts import SCOPES, ApiKey, User
from portal.services.errors import Forbidden

# An interviewer's session reaches only evaluations, and only of the interviews assigned to them.
INTERVIEWER_SCOPES = frozenset({"evaluations:read", "evaluations:write"})


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the audit log."""

    ip_address: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class Actor:
    """A signed-in user or an API key, with the organisation it acts for and its scopes."""

    organisation_id: int | None
    user_id: int | None = None
    role: str | None = None
    api_key_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user: User) -> "Actor":
        scopes = (
            frozenset(SCOPES)
            if user.is_staff
            else INTERVIEWER_SCOPES
            if user.is_interviewer
            else frozenset()
        )
        return cls(
            organisation_id=user.organisation_id, user_id=user.id, role=user.role, scopes=scopes
        )

    @classmethod
    def for_api_key(cls, key: "ApiKey | Row") -> "Actor":
        """`key`: the key, or a row of its id, organisation_id and scopes."""
        return cls(
            organisation_id=key.organisation_id, api_key_id=key.id, scopes=frozenset(key.scopes)
        )

    @property
    def is_staff(self) -> bool:
        return self.role in ("recruiter", "admin")

    @property
    def is_interviewer(self) -> bool:
        return self.role == "interviewer"

    def require_scope(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"This needs the {scope} scope.")

    def require_organisation(self) -> int:
        """The organisation a recruiter, an admin or an API key acts for; candidates have none."""
        if self.organisation_id is None or (self.user_id is not None and not self.is_staff):
            raise Forbidden("Only an organisation's recruiters and API keys can do this.")
        return self.organisation_id

    def require_member(self) -> int:
        """The organisation of a recruiter, an admin, an interviewer or an API key."""
        if self.organisation_id is None or (
            self.user_id is not None and not (self.is_staff or self.is_interviewer)
        ):
            raise Forbidden("Only an organisation's staff and API keys can do this.")
        return self.organisation_id

    def require_staff(self) -> int:
        """The organisation a recruiter or admin signed in for; anyone else is refused."""
        if not self.is_staff or self.organisation_id is None:
            raise Forbidden("Only recruiters of an organisation can do this.")
        return self.organisation_id
