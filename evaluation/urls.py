from django.urls import path

from evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("ops/", views.dashboard, name="dashboard"),
    path("ops/refresh/", views.refresh, name="refresh"),
    path("ops/runs/<int:run_id>/", views.eval_run, name="dashboard-run"),
    path("ops/golden-sets/<int:golden_set_id>/run/", views.start_run, name="start-run"),
    path(
        "ops/alerts/<int:alert_id>/acknowledge/", views.acknowledge_alert, name="alert-acknowledge"
    ),
]
