from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django_ratelimit.decorators import ratelimit

from tickets.roles import may_use_admin_site

from .favicon import favicon
from .health import health
from .metrics import metrics
from .system import system_page


def sign_in_limited(view):
    """Per-address rate limit on sign-in attempts (CURHAT_LOGIN_RATE), besides django-axes' lockout per
    username and address: one counter for /masuk/ and /admin/login/, so the two forms do not double an
    attacker's budget. Counted in the strict "ratelimit" cache: with Redis down the POST answers 503
    with the reason (curhat.middleware.CacheOutageMiddleware), never an uncounted try."""
    return ratelimit(group="sign-in", key="ip", rate=_login_rate, method="POST", block=True)(view)


def _login_rate(group, request) -> str | None:
    return settings.CURHAT_LOGIN_RATE or None  # "off": no limit


admin.site.site_header = "Curhat Adminduk"
admin.site.site_title = "Curhat Adminduk"
admin.site.index_title = settings.CURHAT_OFFICE_NAME
# Django's admin follows the role too (tickets.roles), not is_staff alone.
admin.site.has_permission = may_use_admin_site  # type: ignore[method-assign]

urlpatterns = [
    path("sehat/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("admin/sistem/", admin.site.admin_view(system_page), name="system"),
    path("favicon.ico", favicon, name="favicon"),
    # The admin's own sign-in form counts against the same per-address limit as /masuk/ (issue 18).
    path("admin/login/", sign_in_limited(admin.site.login)),  # reversed as admin:login
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("curhat.api_urls")),
    path("masuk/", sign_in_limited(auth_views.LoginView.as_view()), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("webhooks/anymail/", include("channels.providers.email.urls")),
    path("webhooks/", include("channels.urls")),
    path("panggilan/", include("tickets.calls.urls")),
    path("pejabat/", include("officials.urls")),
    path("laporan/", include("reports.urls")),
    path("inbox/", include("tickets.inbox.urls")),
    path("persyaratan/", include("tickets.knowledge.urls")),
    path("privasi-data/", include("tickets.privacy.urls")),
    path("", include("tickets.public.urls")),
]
