"""Flask extensions, created unbound and initialised in ``create_app``."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from virtualacademy.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def client_ip() -> str:
    """The client's address (ProxyFix in production makes this the real one)."""
    return get_remote_address() or "unknown"


def form_email() -> str:
    """Rate-limit key for limits per email address: the address typed into the form."""
    return "email:" + (request.form.get("email") or "").strip().lower()


limiter = Limiter(key_func=client_ip, default_limits=[])
