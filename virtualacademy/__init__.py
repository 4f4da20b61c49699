"""The Virtual Academy web application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | str | Mapping | None = None) -> Flask:
    """Build the app. ``config`` is a config class, an ``APP_ENV`` name, or a mapping
    of overrides on top of the environment's config."""
    from config import config_for

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
    )
    overrides: Mapping = {}
    if config is None or isinstance(config, str):
        app.config.from_object(config_for(config))
    elif isinstance(config, Mapping):
        app.config.from_object(config_for(config.get("APP_ENV")))
        overrides = config
    else:
        app.config.from_object(config)
    app.config.update(overrides)
    _check_production_settings(app)
    if app.config.get("ENV_NAME") == "test":
        from virtualacademy import clock

        clock.offset_from_environment()

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )

    app.jinja_env.add_extension("jinja2.ext.do")
    from virtualacademy import inputs

    inputs.init_app(app)  # the bounded id converter, before any blueprint adds a route
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)

    from virtualacademy import web

    web.init_app(app)
    return app


WEAK_SECRETS = {"", "dev-only-insecure-secret-key", "test-secret-key", "changeme", "secret"}


def _check_production_settings(app: Flask) -> None:
    if app.config.get("ENV_NAME") != "production":
        return
    secret = app.config.get("SECRET_KEY") or ""
    if secret in WEAK_SECRETS or len(secret) < 32:
        raise RuntimeError(
            "Refusing to start in production without a real SECRET_KEY "
            "(set SECRET_KEY to at least 32 random characters, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )


def register_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from virtualacademy.database import configure_engine, render_item
    from virtualacademy.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True, render_item=render_item
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    WTFormsHelpers(app)

    from virtualacademy.blueprints.auth import login

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(login.load_user)
    login_manager.unauthorized_handler(login.unauthorized)


def register_blueprints(app: Flask) -> None:
    """Register every blueprint package under ``virtualacademy/blueprints``.

    A module is one folder: its package defines ``bp`` and registers its navigation entries and dashboard
    panels; its modules (views, ``jobs.py`` ...) are all imported here, adding their routes and scheduled jobs. Adding a module therefore touches that folder
    (and its templates), never this factory.
    """
    for blueprint in discover_blueprints():
        app.register_blueprint(blueprint)


def discover_blueprints() -> list:
    """Every blueprint package's ``bp``, with all the package's modules imported (its views add their routes,
    its ``jobs`` its scheduled jobs), so no package has to import its own views (an import cycle)."""
    import importlib
    import pkgutil

    from flask import Blueprint

    from virtualacademy import blueprints

    found = []
    for module in sorted(pkgutil.iter_modules(blueprints.__path__), key=lambda m: m.name):
        if not module.ispkg:
            continue  # shared helpers such as fields.py
        package = importlib.import_module(f"{blueprints.__name__}.{module.name}")
        blueprint = getattr(package, "bp", None)
        if not isinstance(blueprint, Blueprint):
            raise RuntimeError(f"Blueprint package {package.__name__} defines no `bp` Blueprint")
        for part in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            importlib.import_module(f"{package.__name__}.{part.name}")
        found.append(blueprint)
    return found


def register_cli(app: Flask) -> None:
    from virtualacademy.cli import register

    register(app)
