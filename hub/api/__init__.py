"""HTTP API blueprints. Handlers reach the store only through the repository layer in hub.store."""

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from hub.api.alerts import bp as alerts_bp
from hub.api.audit import bp as audit_bp
from hub.api.auth import bp as auth_bp
from hub.api.backups import bp as backups_bp
from hub.api.branches import bp as branches_bp
from hub.api.docs import bp as docs_bp
from hub.api.enroll import bp as enroll_bp
from hub.api.exports import bp as exports_bp
from hub.api.fleet import bp as fleet_bp
from hub.api.inventory import bp as inventory_bp
from hub.api.inventory_report import bp as inventory_report_bp
from hub.api.live import bp as live_bp
from hub.api.members import bp as members_bp
from hub.api.payments import bp as payments_bp
from hub.api.pcs import bp as pcs_bp
from hub.api.products import bp as products_bp
from hub.api.quotes import bp as quotes_bp
from hub.api.reports import bp as reports_bp
from hub.api.session_review import bp as session_review_bp
from hub.api.sessions import bp as sessions_bp
from hub.api.shifts import bp as shifts_bp
from hub.api.system import bp as system_bp
from hub.api.tariffs import bp as tariffs_bp
from hub.api.users import bp as users_bp
from hub.api.vouchers import bp as vouchers_bp

API_PREFIX = "/api/v1"


def blueprints() -> list[Blueprint | BlueprintGroup]:
    return [
        Blueprint.group(
            auth_bp,
            pcs_bp,
            live_bp,
            alerts_bp,
            fleet_bp,
            backups_bp,
            members_bp,
            sessions_bp,
            quotes_bp,
            session_review_bp,
            tariffs_bp,
            users_bp,
            audit_bp,
            payments_bp,
            products_bp,
            shifts_bp,
            branches_bp,
            vouchers_bp,
            enroll_bp,
            exports_bp,
            reports_bp,
            inventory_bp,
            inventory_report_bp,
            url_prefix=API_PREFIX,
        ),
        system_bp,
        docs_bp,
    ]
