# orgkit's container image: a static binary on an empty base (FROM scratch), run as the
# non-root user 65532 with a read-only root filesystem; /data is the only writable path.
# Orchestrators probe /healthz (liveness) and /readyz (readiness), so there is no HEALTHCHECK
# (and no shell in the image to run one). docs/operations.md describes it; `make image` builds
# it with buildah from a builder base made of the local Go toolchain (GO_IMAGE).

# The builder: any image with Go 1.26 (GOTOOLCHAIN=local: no toolchain download) and a shell.
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
ENV GOTOOLCHAIN=local
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Pure Go throughout (SQLite is glebarez/sqlite, no cgo): a static binary with no PT_INTERP.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/orgkit ./cmd/orgkit
# The final image's only user and its data directory, and the CA bundle (JWKS, SMTP and
# webhooks over TLS): scratch has none of them.
RUN mkdir -p /out/etc/ssl/certs /out/data \
 && echo 'nonroot:x:65532:65532:nonroot:/data:/sbin/nologin' > /out/etc/passwd \
 && echo 'nonroot:x:65532:' > /out/etc/group \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt

FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="orgkit" \
      org.opencontainers.image.description="Multi-tenant organizations service: members, roles, custom domains, API-key vault, webhooks, audit log" \
      org.opencontainers.image.source="https://github.com/orgkit/orgkit" \
      org.opencontainers.image.documentation="https://github.com/orgkit/orgkit/blob/main/docs/operations.md" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/etc/ /etc/
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/orgkit /orgkit
# Listen on every interface; keep the SQLite database, the default file blobs and any
# temporary file (TMPDIR: the root filesystem may be read-only) on the volume.
ENV ORGKIT_HTTP_ADDR=0.0.0.0:8080 \
    ORGKIT_DATA_DIR=/data \
    ORGKIT_DATABASE_URL=sqlite:/data/orgkit.db \
    TMPDIR=/data
WORKDIR /data
VOLUME /data
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/orgkit"]
CMD ["serve"]
