# Curhat Adminduk: one image for web (gunicorn), worker, beat and the one-shot migrate service.
FROM python:3.11-slim-bookworm

# Static files belong to the image (a new release brings its own), uploads and data to the volume
# mounted at /var/lib/curhat.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    CURHAT_DATA_DIR=/var/lib/curhat DJANGO_STATIC_ROOT=/app/staticfiles
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app curhat \
    && mkdir -p /var/lib/curhat && chown curhat /var/lib/curhat
WORKDIR /app
COPY pyproject.toml README.md ./
COPY curhat curhat
COPY channels channels
COPY tickets tickets
COPY officials officials
COPY reports reports
COPY templates templates
COPY static static
COPY locale locale
COPY manage.py gunicorn.conf.py ./
# collectstatic with the production settings: they store static files under hashed names and
# write the manifest (staticfiles.json) that production needs to name them; without it every
# page is a 500 (issue 18).
RUN pip install --no-cache-dir . \
    && DJANGO_SECRET_KEY=build-only python manage.py compilemessages -v0 \
    && CURHAT_PRODUCTION=1 DJANGO_SECRET_KEY=build-only-placeholder-never-used-to-sign-anything-at-run-time \
       CURHAT_NIK_HASH_KEY=build-only-placeholder-never-used-to-hash-anything \
       python manage.py collectstatic --noinput -v0
USER curhat
EXPOSE 8000
CMD ["gunicorn", "curhat.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
