# One image for every Assay role: `assay collector`, `assay worker`, `assay alerter`, `assay migrate`.
# No build step: tsx (a runtime dependency) runs the TypeScript directly.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
# --omit=optional keeps the embedded ClickHouse (chdb, ~550 MB) out: the image talks to a
# ClickHouse server. esbuild's platform binary is optional too; its install script fetches the
# one for this platform from the registry, and the check below fails the build if it did not.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY core ./core
COPY collector ./collector
COPY evaluators ./evaluators
COPY alerts ./alerts
COPY storage ./storage
COPY intake ./intake

RUN node_modules/.bin/tsx cli/assay.ts --help > /dev/null

RUN mkdir -p /var/lib/assay && chown node:node /var/lib/assay
USER node
VOLUME ["/var/lib/assay"]
EXPOSE 4318

ENTRYPOINT ["node_modules/.bin/tsx", "cli/assay.ts"]
CMD ["start"]
