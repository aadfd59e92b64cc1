-- Seats: the deployments (installations of the buyer's software) that hold a license, and the sellers'
-- per-product seat policies. Only salted hashes of a deployment are stored, never its raw id or components.
-- PostgreSQL dialect.

-- +goose Up
-- seats is 'quantity' (the license's purchased quantity), 'unlimited', or a fixed number of seats; match_components the
-- components a deployment-bound code needs to match (0: a strict majority); lease_seconds frees a seat not
-- checked in for that long (0: seats are held until freed); require_fingerprint refuses a G1b
-- getLicenseAsync without a deviceFingerprint; usage_mode is how the daily usage report counts ('id':
-- each deployment's hash, 'count': the number of deployments).
CREATE TABLE product_policies (
    product_id          TEXT    PRIMARY KEY CHECK (length(product_id) BETWEEN 1 AND 64),
    seats               TEXT    NOT NULL CHECK (seats IN ('quantity', 'unlimited') OR seats ~ '^[1-9][0-9]{0,5}$'),
    match_components    BIGINT  NOT NULL DEFAULT 0 CHECK (match_components BETWEEN 0 AND 16),
    lease_seconds       BIGINT  NOT NULL DEFAULT 0 CHECK (lease_seconds >= 0),
    require_fingerprint BIGINT  NOT NULL DEFAULT 0 CHECK (require_fingerprint IN (0, 1)),
    usage_mode          TEXT    NOT NULL DEFAULT 'id' CHECK (usage_mode IN ('id', 'count')),
    updated_at          BIGINT  NOT NULL,
    updated_by          TEXT    NOT NULL DEFAULT ''
);

-- deployment is the salted hash of the deployment id (verifier.DeploymentHash with the license's salt);
-- binding the "dep" claim's JSON (hashes only); taken_at when the seat was taken; seen_at its latest
-- activation, refresh or check-in; lease_until when an unrenewed lease frees it (0: never); code and
-- code_gen the deployment-bound code last signed for it and the license generation it carries;
-- clone_at when two holders of the deployment were last seen within one lease (0: never).
CREATE TABLE seats (
    license_id  TEXT    NOT NULL REFERENCES licenses (id),
    deployment  TEXT    NOT NULL CHECK (length(deployment) BETWEEN 1 AND 64),
    binding     TEXT    NOT NULL CHECK (length(binding) <= 8192),
    taken_at    BIGINT  NOT NULL,
    seen_at     BIGINT  NOT NULL,
    lease_until BIGINT  NOT NULL DEFAULT 0,
    code        TEXT    NOT NULL DEFAULT '',
    code_gen    BIGINT  NOT NULL DEFAULT 0,
    clone_at    BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (license_id, deployment)
);

-- +goose Down
DROP TABLE seats;
DROP TABLE product_policies;
