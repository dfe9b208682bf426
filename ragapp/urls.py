from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from ragapp import views

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("ingestion/", include("ingestion.urls")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
