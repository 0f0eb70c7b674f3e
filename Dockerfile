# A plain mirror of the Makefile: build with cgo against Tesseract and
# libjpeg-turbo, run on Debian bookworm-slim with the Turkish and English data.
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libtesseract-dev libleptonica-dev libturbojpeg0-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -o /out/tutanak ./cmd/tutanak

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libtesseract5 tesseract-ocr-tur tesseract-ocr-eng libturbojpeg0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/tutanak --create-home tutanak
COPY --from=build /out/tutanak /usr/local/bin/tutanak
USER tutanak
ENV OMP_THREAD_LIMIT=1
WORKDIR /var/lib/tutanak
EXPOSE 8080
ENTRYPOINT ["tutanak"]
CMD ["serve", "--data", "/var/lib/tutanak"]
