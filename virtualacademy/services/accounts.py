"""Accounts: signing in, passwords, invitations and roles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from virtualacademy import clock, mail
from virtualacademy.errors import InvalidToken, NotAllowed, ValidationError
from virtualacademy.extensions import db
from virtualacademy.models import Role, User, UserRole
from virtualacademy.models.accounts import STAFF_ROLES, new_security_stamp
from virtualacademy.passwords import hash_password, needs_rehash, password_problem, verify_password
from virtualacademy.services import audit, sessions, throttle

SIGN_IN_FAILED = "Enter a correct email address and password"

# Token purposes: each has its own salt, so one kind of link cannot be used as another.
RESET = "password-reset"
INVITATION = "invitation"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    """Normalised, syntactically valid email address, or a ValidationError."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.com", field="email"
        ) from exc
    return email


def get_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_new_password(password: str, email: str | None, field: str = "password") -> None:
    problem = password_problem(password, email, current_app.config["PASSWORD_MIN_LENGTH"])
    if problem:
        raise ValidationError(problem, field=field)


def create_user(
    email: str,
    name: str,
    roles: Iterable[Role | str] = (),
    *,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    email = check_email(email)
    if get_by_email(email) is not None:
        raise ValidationError("An account with this email address already exists", field="email")
    name = (name or "").strip()
    if not name:
        raise ValidationError("Enter the person's full name", field="name")
    user = User(email=email, name=name)
    if password is not None:
        check_new_password(password, email)
        user.password_hash = hash_password(password)
    user.role_links = [UserRole(role=Role(r)) for r in sorted(set(map(Role, roles)))]
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, obj=user, detail={"roles": sorted(r.value for r in user.roles)})
    return user


def authenticate(email: str, password: str) -> User:
    """The user with these credentials, or a ValidationError. Audits both outcomes."""
    user = get_by_email(email)
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        reason = "unknown_email" if user is None else ("inactive" if not user.active else "wrong_password")
        audit.record(
            "auth.sign_in_failed",
            obj=user,
            object_type="User",
            detail={"email": normalise_email(email)[:254], "reason": reason},
        )
        raise ValidationError(SIGN_IN_FAILED, field="email")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = clock.now()
    audit.record("auth.sign_in", actor=user, obj=user)
    return user


def sign_in(
    email: str,
    password: str,
    *,
    ip: str | None,
    user_agent: str | None,
    known_devices: dict[int, str] | None = None,
    now: datetime | None = None,
) -> User:
    """Check the credentials, unless earlier failures say this attempt must wait, and start a session.

    Raises ``throttle.TooManyAttempts`` (the password unchecked) or a ValidationError. Either way the caller
    commits: the failure counts, and the audit records it.
    """
    now = now or clock.now()
    try:
        attempt = throttle.begin(email, ip, known_devices, now)
    except throttle.TooManyAttempts:
        audit.record("auth.sign_in_refused", detail={"email": normalise_email(email)[:254], "reason": "waiting"})
        raise
    try:
        user = authenticate(email, password)
    except ValidationError:
        throttle.failed(attempt, now)
        raise
    throttle.succeeded(attempt)
    sessions.start(user, user_agent, now)
    return user


def sign_out(user: User) -> None:
    """This browser's session ends (the one the user was loaded for)."""
    sessions.end(user.session_key)
    audit.record("auth.sign_out", actor=user, obj=user)


class _ClockSigner(TimestampSigner):
    """Signs with the product's one clock, so a link's age is measured on the same time as everything else."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


class _ClockSerializer(URLSafeTimedSerializer):
    default_signer = _ClockSigner


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return _ClockSerializer(current_app.config["SECRET_KEY"], salt=f"virtualacademy.{purpose}")


def signed(purpose: str, data: dict) -> str:
    """A signed, timestamped token for a link (other modules' links use this too)."""
    return _serializer(purpose).dumps(data)


def unsigned(token: str, purpose: str, max_age: int) -> dict:
    """The data in a token made by :func:`signed`, or InvalidToken."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise InvalidToken("This link is not valid. Check you copied the whole link.") from exc
    if not isinstance(data, dict):
        raise InvalidToken("This link is not valid. Check you copied the whole link.")
    return data


def make_token(user: User, purpose: str) -> str:
    """A signed link token, spent as soon as the password changes (the stamp rotates)."""
    return _serializer(purpose).dumps({"u": user.id, "s": user.security_stamp})


def user_for_token(token: str, purpose: str) -> User:
    max_age = current_app.config["INVITATION_MAX_AGE" if purpose == INVITATION else "PASSWORD_RESET_MAX_AGE"]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise InvalidToken("This link is not valid. Check you copied the whole link, or ask for a new one.") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.security_stamp != data.get("s") or not user.active:
        raise InvalidToken("This link has already been used or is no longer valid. Ask for a new one.")
    return user


def _set_password(user: User, password: str) -> None:
    check_new_password(password, user.email)
    user.password_hash = hash_password(password)
    user.security_stamp = new_security_stamp()


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists. Says nothing either way, so the
    page cannot be used to find out who has an account."""
    user = get_by_email(email)
    if user is None or not user.active:
        audit.record("auth.password_reset_requested", detail={"email": normalise_email(email)[:254], "known": False})
        return
    token = make_token(user, RESET)
    mail.queue(
        user.email,
        "Reset your password",
        "password_reset",
        user=user,
        link=mail.absolute_url("auth.reset_password", token=token),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )
    audit.record("auth.password_reset_requested", obj=user, detail={"known": True})


def _start_afresh(user: User, user_agent: str | None, now: datetime) -> None:
    """After a password is set from an emailed link: every session ends, the delays after failed sign-ins are
    forgotten (whoever has the link has the mailbox), and this browser is signed in."""
    sessions.end_all(user)
    throttle.clear_for(user)
    sessions.start(user, user_agent, now)


def reset_password(token: str, password: str, *, user_agent: str | None = None, now: datetime | None = None) -> User:
    """Set a new password from a reset link; ends every session and signs this browser in."""
    user = user_for_token(token, RESET)
    _set_password(user, password)
    _start_afresh(user, user_agent, now or clock.now())
    audit.record("auth.password_reset", actor=user, obj=user)
    return user


def accept_invitation(token: str, password: str, *, user_agent: str | None = None, now: datetime | None = None) -> User:
    user = user_for_token(token, INVITATION)
    _set_password(user, password)
    _start_afresh(user, user_agent, now or clock.now())
    audit.record("auth.invitation_accepted", actor=user, obj=user)
    return user


def change_password(
    user: User,
    current_password: str,
    new_password: str,
    *,
    ip: str | None = None,
    known_devices: dict[int, str] | None = None,
    now: datetime | None = None,
) -> None:
    """Change a signed-in user's password. Every other session ends; this one (``user.current_session_id``)
    stays. A wrong current password counts like a failed sign-in, and waits like one."""
    now = now or clock.now()
    try:
        attempt = throttle.begin(user.email, ip, known_devices, now)
    except throttle.TooManyAttempts as exc:
        audit.record("auth.password_change_refused", actor=user, obj=user, detail={"reason": "waiting"})
        raise throttle.TooManyAttempts(
            exc.retry_at,
            now,
            field="current_password",
            lead="Your current password has been entered wrongly too often.",
        ) from exc
    if not verify_password(user.password_hash, current_password or ""):
        throttle.failed(attempt, now)
        audit.record("auth.password_change_failed", actor=user, obj=user)
        raise ValidationError("Your current password is not correct", field="current_password")
    throttle.succeeded(attempt)
    if current_password == new_password:
        raise ValidationError("Your new password must be different from your current one", field="new_password")
    try:
        _set_password(user, new_password)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="new_password") from exc
    ended = sessions.end_all(user, keep=user.current_session_id)
    audit.record("auth.password_changed", actor=user, obj=user, detail={"other_sessions_ended": ended})


def invite(actor: User, email: str, name: str, roles: Iterable[Role | str]) -> User:
    """Create an account without a password and email a set-password link."""
    roles = {Role(r) for r in roles}
    if not roles:
        raise ValidationError("Select at least one role", field="roles")
    user = create_user(email, name, roles, actor=actor)
    send_invitation(actor, user)
    return user


def send_invitation(actor: User, user: User) -> None:
    token = make_token(user, INVITATION)
    mail.queue(
        user.email,
        f"You have been invited to {current_app.config['ACADEMY_NAME']}",
        "invitation",
        user=user,
        inviter=actor,
        link=mail.absolute_url("auth.accept_invitation", token=token),
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )
    audit.record("user.invited", actor=actor, obj=user)


def set_roles(actor: User, user: User, roles: Iterable[Role | str]) -> None:
    new = {Role(r) for r in roles}
    old = set(user.roles)
    if new == old:
        return
    if actor.id == user.id and Role.ADMIN in old and Role.ADMIN not in new:
        raise NotAllowed("You cannot remove your own admin role; ask another admin to do it", field="roles")
    if Role.ADMIN in old and Role.ADMIN not in new and _active_admin_count() <= 1:
        raise NotAllowed("The academy must keep at least one active admin", field="roles")
    user.role_links = [link for link in user.role_links if link.role in new] + [
        UserRole(role=r) for r in sorted(new - old)
    ]
    db.session.flush()
    audit.record(
        "user.roles_changed",
        actor=actor,
        obj=user,
        detail={"added": sorted(r.value for r in new - old), "removed": sorted(r.value for r in old - new)},
    )


def set_active(actor: User, user: User, active: bool) -> None:
    if user.active == active:
        return
    if not active:
        if actor.id == user.id:
            raise NotAllowed("You cannot deactivate your own account")
        if user.has_role(Role.ADMIN) and _active_admin_count() <= 1:
            raise NotAllowed("The academy must keep at least one active admin")
    user.active = active
    user.security_stamp = new_security_stamp()  # spends their reset and invitation links
    if not active:
        sessions.end_all(user)
    audit.record("user.activated" if active else "user.deactivated", actor=actor, obj=user)


def update_name(actor: User, user: User, name: str) -> None:
    name = (name or "").strip()
    if not name:
        raise ValidationError("Enter the person's full name", field="name")
    if name != user.name:
        user.name = name
        audit.record("user.updated", actor=actor, obj=user, detail={"field": "name"})


def _active_admin_count() -> int:
    return len(
        db.session.scalars(
            select(User.id).join(UserRole).where(UserRole.role == Role.ADMIN, User.active.is_(True))
        ).all()
    )


def clear_failed_sign_ins(actor: User, user: User) -> int:
    """An admin forgets the failed sign-ins counted against an account, so its owner need not wait."""
    cleared = throttle.clear_for(user)
    audit.record("auth.sign_in_delay_cleared", actor=actor, obj=user)
    return cleared


def staff_roles() -> tuple[Role, ...]:
    return STAFF_ROLES
