"""Demo data for a first look at the portal: an organisation, a recruiter, two candidates."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import User
from portal.services import accounts

DEMO_PASSWORD = "demo-portal-cpo-2026"  # noqa: S105  (published for the demo)
DEMO_ORGANISATION = ("Acme Product Co", "acme")
DEMO_USERS = (
    ("recruiter@acme.example", "recruiter", "Riley Recruiter"),
    ("ada@candidates.example", "candidate", "Ada Lovelace"),
    ("grace@candidates.example", "candidate", "Grace Hopper"),
)


def seed_demo(session: Session) -> list[User]:
    """Create what is missing (idempotent) and return the demo users."""
    name, slug = DEMO_ORGANISATION
    organisation = accounts.organisation_by_slug(session, slug) or accounts.create_organisation(
        session, name, slug=slug
    )
    demo_users = []
    for email, role, full_name in DEMO_USERS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(
                session,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                name=full_name,
                organisation=organisation,
            )
        demo_users.append(user)
    session.commit()
    return demo_users
