"""Extension objects, created unbound and bound to the app in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from school.db import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
# "basic": a session seen from a new address or browser is marked not fresh. "strong" would log a
# member out whenever their phone switches between Wi-Fi and mobile data.
login_manager.session_protection = "basic"

csrf = CSRFProtect()

# Storage comes from RATELIMIT_STORAGE_URI: memory:// for one process, redis:// for several.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["csrf", "db", "limiter", "login_manager"]
