# Image for docker-compose.yml (web, worker and beat share it). Not used by `make run`/`make test`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CC_VAR_DIR=/tmp/var
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c constraints.txt -e . && useradd --create-home contactcenter \
    && mkdir -p /srv/media && chown contactcenter /srv/media
# MEDIA_ROOT (uploads) is a volume shared by web and workers; created here so it is writable.
USER contactcenter
EXPOSE 8000
