# Image for docker-compose.yml (web, worker and beat share it). Not used by `make run`/`make test`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CC_VAR_DIR=/tmp/var
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c constraints.txt -e . && useradd --create-home contactcenter
USER contactcenter
EXPOSE 8000
