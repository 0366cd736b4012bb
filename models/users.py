"""People: registered Telegram users, their roles, and the invites that create them."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, ForeignKey, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import AuditEntry, audit
from models.base import Base
from models.clock import clock
from models.errors import DomainError, InvalidInput, NotFound
from models.settings import LANGUAGES


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"
    TRAINEE = "trainee"


INVITE_LABEL_MAX = 60


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    language_chosen: Mapped[bool] = mapped_column(default=False)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    unreachable_at: Mapped[datetime | None]
    # The command menu last pushed to this chat ("role:language:n"): set again only on change.
    menu_key: Mapped[str | None] = mapped_column(String(32))
    # A coordinator's last choice in /report: the period ("month", "quarter", "all" or
    # "YYYY-MM-DD..YYYY-MM-DD"), the area (None: their whole area), and the monthly files.
    # The area is a preference, not a link: an area that no longer exists (or is no longer in
    # their scope) is read as their whole area, so it needs no foreign key.
    report_period: Mapped[str | None] = mapped_column(String(32))
    report_area_id: Mapped[int | None]
    monthly_export: Mapped[bool] = mapped_column(default=False)
    # For the operator's `user list`, which tells people apart without their names: the invite
    # they last redeemed (its label says whom it was for) and the last day they used the bot.
    # The invite is a record, not a link (invites are revoked, never deleted).
    invite_id: Mapped[int | None]
    last_active_on: Mapped[date | None]

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def label(self) -> str:
        """How other users see this account: role and number, never a name."""
        return f"#{self.id}"


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    uses_left: Mapped[int]
    used_count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    # Whom the operator made it for ("Aline, Kabuye facilitator"): seen on the command line only,
    # never by other users of the bot, so `user list` can tell two facilitators apart.
    label: Mapped[str | None] = mapped_column(String(INVITE_LABEL_MAX))


# 24 random bytes in URL-safe base64: 32 characters of [A-Za-z0-9_-], safe in a deep link.
INVITE_BYTES = 24
INVITE_CODE_MAX = 64


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


async def create_invite(
    session: AsyncSession,
    *,
    role: Role,
    area_id: int | None = None,
    group_id: int | None = None,
    uses: int = 1,
    days: int = 14,
    created_by: int | None = None,
    label: str | None = None,
) -> tuple[str, Invite]:
    """Returns the plain code (shown once) and the stored invite (holding only its hash)."""
    label = " ".join((label or "").split()) or None
    if label is not None and len(label) > INVITE_LABEL_MAX:
        raise InvalidInput("invite_label")
    if uses < 1 or uses > 1000:
        raise InvalidInput("invite_uses")
    if days < 1 or days > 365:
        raise InvalidInput("invite_days")
    if role == Role.COORDINATOR and area_id is None:
        raise InvalidInput("invite_needs_area")
    if role == Role.FACILITATOR and group_id is None:
        raise InvalidInput("invite_needs_group")
    code = secrets.token_urlsafe(INVITE_BYTES)
    now = clock.now()
    invite = Invite(
        code_hash=hash_code(code),
        role=role.value,
        area_id=area_id,
        group_id=group_id,
        uses_left=uses,
        expires_at=now + timedelta(days=days),
        created_at=now,
        created_by=created_by,
        label=label,
    )
    session.add(invite)
    await session.flush()
    await audit(session, actor_id=created_by, action="invite.create", record=("invite", invite.id))
    return code, invite


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def is_registered(session: AsyncSession, telegram_id: int) -> bool:
    found = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
    return found is not None


async def redeem_invite(
    session: AsyncSession, *, telegram_id: int, code: str, default_language: str
) -> User:
    """Registers the Telegram user with the invite's role; an existing user gains the role."""
    from models.groups import add_member  # groups import users; keep the cycle at call time

    if not code or len(code) > INVITE_CODE_MAX:
        raise NotFound("invite_unknown")
    invite = await session.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
    now = clock.now()
    if invite is None:
        raise NotFound("invite_unknown")
    user = await get_user(session, telegram_id)
    if user is not None and user.revoked_at is None and await _redeemed_by(session, invite, user):
        # The same person opens the same link again (their first answer may have been lost):
        # they are registered already, and the invite is not used a second time.
        return user
    if (refusal := _invite_refusal(invite, now)) is not None:
        raise refusal
    if user is not None and user.revoked_at is not None:
        raise DomainError("revoked")
    # Several people may open the same link at the same moment, each having read the last use as
    # still free: the use is taken only if the row still has one when it is written, and the
    # database lets one writer at a time decide that.
    claimed = await session.scalar(
        update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.uses_left > 0,
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(uses_left=Invite.uses_left - 1, used_count=Invite.used_count + 1)
        .returning(Invite),
        execution_options={"populate_existing": True, "synchronize_session": False},
    )
    if claimed is None:
        await session.refresh(invite)
        raise _invite_refusal(invite, now) or DomainError("invite_used")
    if user is None:
        user = User(
            telegram_id=telegram_id,
            role=invite.role,
            language=default_language,
            created_at=now,
        )
        session.add(user)
    else:
        user.role = _stronger(user.role, invite.role)
    if invite.area_id is not None and invite.role in (Role.COORDINATOR, Role.ADMIN):
        user.area_id = invite.area_id
    user.invite_id = invite.id
    await session.flush()
    if invite.group_id is not None:
        await add_member(session, user_id=user.id, group_id=invite.group_id)
    await audit(session, actor_id=user.id, action="invite.redeem", record=("invite", invite.id))
    return user


def _invite_refusal(invite: Invite, now: datetime) -> DomainError | None:
    if invite.revoked_at is not None or invite.expires_at <= now:
        return DomainError("invite_expired")
    if invite.uses_left <= 0:
        return DomainError("invite_used")
    return None


async def _redeemed_by(session: AsyncSession, invite: Invite, user: User) -> bool:
    found = await session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "invite.redeem",
            AuditEntry.record_type == "invite",
            AuditEntry.record_id == invite.id,
            AuditEntry.actor_id == user.id,
        )
    )
    return found is not None


_RANK = {Role.TRAINEE: 0, Role.FACILITATOR: 1, Role.COORDINATOR: 2, Role.ADMIN: 3}


def _stronger(current: str, offered: str) -> str:
    """A facilitator invited to a second group stays a facilitator; a trainee becomes one."""
    return max(Role(current), Role(offered), key=lambda r: _RANK[r]).value


async def record_menu(session: AsyncSession, *, user_id: int, menu_key: str) -> None:
    """The command menu now shown in the person's chat (pushed again only when it changes)."""
    user = await session.get(User, user_id)
    if user is not None:
        user.menu_key = menu_key


async def set_reachable(session: AsyncSession, *, user_id: int, reachable: bool) -> None:
    """A message could not reach the person (they blocked the bot), or they wrote again."""
    user = await session.get(User, user_id)
    if user is not None:
        user.unreachable_at = None if reachable else (user.unreachable_at or clock.now())


async def set_language(session: AsyncSession, user: User, language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput("language")
    user.language = language
    user.language_chosen = True


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.id)))


async def invite_labels(session: AsyncSession, invite_ids: Iterable[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Invite.id, Invite.label).where(Invite.id.in_(set(invite_ids)))
    )
    return {invite_id: label for invite_id, label in rows.all() if label}


async def seen_today(session: AsyncSession, *, user_id: int, today: date) -> None:
    """The day a person last used the bot (written at most once a day per person)."""
    user = await session.get(User, user_id)
    if user is not None and user.last_active_on != today:
        user.last_active_on = today


async def revoke_user(session: AsyncSession, *, user_id: int, actor_id: int | None) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    from models.outbox import OutboxKind, enqueue  # models.outbox imports this module

    user.revoked_at = clock.now()
    await audit(session, actor_id=actor_id, action="user.revoke", record=("user", user.id))
    # Their chat is cleared too, in this transaction: what is left there is theirs no more.
    await enqueue(
        session,
        kind=OutboxKind.CHAT_WIPE,
        subject=f"user:{user.id}",
        period=user.revoked_at.isoformat(),
        recipient_id=user.id,
    )
    await refresh_menu(session, user)
    return user


async def set_role(
    session: AsyncSession, *, user_id: int, role: Role, area_id: int | None, actor_id: int | None
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    if role == Role.COORDINATOR and area_id is None and user.area_id is None:
        raise InvalidInput("invite_needs_area")
    user.role = role.value
    if area_id is not None:
        user.area_id = area_id
    user.menu_key = None
    await audit(
        session, actor_id=actor_id, action=f"user.role.{role.value}", record=("user", user.id)
    )
    await refresh_menu(session, user)
    return user


async def refresh_menu(session: AsyncSession, user: User) -> None:
    """Queues the person's command menu to be set again (their role changed, or they were
    revoked), in the transaction of the change."""
    from models.outbox import OutboxKind, enqueue  # models.outbox imports this module

    await enqueue(
        session,
        kind=OutboxKind.MENU_REFRESH,
        subject=f"user:{user.id}",
        period=f"{user.role}:{clock.now().isoformat()}",
        recipient_id=user.id,
    )


async def list_invites(session: AsyncSession) -> list[Invite]:
    return list(await session.scalars(select(Invite).order_by(Invite.id)))


async def revoke_invite(session: AsyncSession, *, invite_id: int, actor_id: int | None) -> Invite:
    invite = await session.get(Invite, invite_id)
    if invite is None:
        raise NotFound("invite")
    invite.revoked_at = clock.now()
    await audit(session, actor_id=actor_id, action="invite.revoke", record=("invite", invite.id))
    return invite
