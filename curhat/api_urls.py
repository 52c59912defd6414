"""The REST API (v1), its OpenAPI schema and the browsable documentation."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from officials.api import EscalationViewSet
from reports.api import TallyView
from tickets.api.views import CannedAnswerViewSet, ContactViewSet, TicketViewSet

router = DefaultRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("contacts", ContactViewSet, basename="contact")
router.register("canned-answers", CannedAnswerViewSet, basename="canned-answer")
router.register("escalations", EscalationViewSet, basename="escalation")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/reports/tally/", TallyView.as_view(), name="api-tally"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The documentation is a page for people: an anonymous visitor is sent to sign in (the schema
    # and the API itself answer 401/403 as APIs do). Template: templates/drf_spectacular/.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
