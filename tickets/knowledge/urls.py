"""Public requirement pages (/persyaratan/) and the operators' JSON for inserting an entry.

Included by the root URLconf: ``path("persyaratan/", include("tickets.knowledge.urls"))``.
"""

from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("", views.knowledge_index, name="index"),
    path("jawaban/", views.knowledge_answers_json, name="answers"),
    path("jawaban/<slug:slug>/", views.knowledge_answer_json, name="answer"),
    path("<slug:slug>/", views.knowledge_detail, name="detail"),
]
