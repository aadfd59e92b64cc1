#!/usr/bin/env node
// Verify a licentia authorization code offline with the licentia-verify package.
//
// Usage: node verify.mjs JWKS_FILE CODE      (CODE "-" reads the code from standard input)
//
// Environment: LICENTIA_PRODUCT (accepted pid or pids entry) or LICENTIA_SKU (accepted sku), one of them required unless
// LICENTIA_ANY_PRODUCT=1; optional LICENTIA_ISSUER (accepted iss), LICENTIA_ALLOW_TEST=1 (accept marketplace
// test codes), LICENTIA_NOW (unix seconds to judge the code at, instead of the clock), LICENTIA_REVOCATIONS
// (file of the signed list from GET /v1/revocations), LICENTIA_STATE (state file, shared with licentia-verify),
// LICENTIA_DEPLOYMENT_FILE (this installation's deployment as JSON, {"id": ..., "components": {...}}: a code bound
// to a deployment must match it).
//
// Prints the verified claims as JSON and exits 0 when the code is valid; prints the reason on standard
// error and exits 1 when it is not (8 when it is bound to another deployment, as licentia-verify); exits 64 on
// a usage error and 66 when the deployment file cannot be read or is out of bounds.

import { readFileSync } from 'node:fs';
import { Deployment, Keyring, State, VerificationError, Verifier, parseRevocations } from 'licentia-verify';

class UnusableDeployment extends Error {}

// readDeployment returns the deployment in the JSON file at path (undefined without one). Its values are
// never printed: a JSON syntax error would quote them, so it is reported without detail.
function readDeployment(path) {
  if (!path) return undefined;
  let doc;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UnusableDeployment(e.code ? `无法读取 / cannot read it (${e.code})` : '不是 JSON / not JSON');
  }
  try {
    return Deployment.of(doc);
  } catch (e) {
    throw new UnusableDeployment(`${e.reason}: ${e.message}`);
  }
}

function main(argv, env) {
  const binding = env.LICENTIA_ANY_PRODUCT === '1' ? { anyProduct: true }
    : { product: env.LICENTIA_PRODUCT || undefined, sku: env.LICENTIA_SKU || undefined };
  if (argv.length !== 2 || !(binding.anyProduct || binding.product || binding.sku)) {
    process.stderr.write('usage: node verify.mjs JWKS_FILE CODE   (CODE - reads standard input)\n' +
      '       with LICENTIA_PRODUCT or LICENTIA_SKU set (or LICENTIA_ANY_PRODUCT=1)\n' +
      '用法：node verify.mjs 公钥文件 授权码（授权码为 - 时从标准输入读取），并设置 LICENTIA_PRODUCT 或 LICENTIA_SKU（或 LICENTIA_ANY_PRODUCT=1）\n');
    return 64;
  }
  try {
    const keys = Keyring.fromFile(argv[0]);
    const code = argv[1] === '-' ? readFileSync(0, 'utf8') : argv[1];
    const now = env.LICENTIA_NOW ? Number.parseInt(env.LICENTIA_NOW, 10) : undefined;
    if (now !== undefined && !Number.isSafeInteger(now)) throw new Error('LICENTIA_NOW is not a unix time in seconds');
    const deployment = readDeployment(env.LICENTIA_DEPLOYMENT_FILE);
    const verifier = new Verifier(keys, {
      ...binding,
      deployment,
      issuer: env.LICENTIA_ISSUER,
      allowTest: env.LICENTIA_ALLOW_TEST === '1',
      revocations: env.LICENTIA_REVOCATIONS ? parseRevocations(keys, readFileSync(env.LICENTIA_REVOCATIONS)) : null,
      state: env.LICENTIA_STATE ? State.open(env.LICENTIA_STATE) : null,
      now: now === undefined ? undefined : () => new Date(now * 1000),
    });
    const { claims, inGrace } = verifier.check(code);
    if (inGrace) process.stderr.write('verify.mjs: 授权已到期，处于宽限期内，请续费 / the license has expired and is in its grace period; renew it\n');
    process.stdout.write(`${JSON.stringify(claims)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UnusableDeployment) {
      process.stderr.write(`verify.mjs: 部署文件 / deployment file: ${e.message}\n`);
      return 66;
    }
    process.stderr.write(e instanceof VerificationError ? `verify.mjs: 授权码无效 / invalid code: ${e.reason}\n` : `verify.mjs: ${e.message}\n`);
    return e instanceof VerificationError && e.reason === 'wrong_deployment' ? 8 : 1;
  }
}

process.exitCode = main(process.argv.slice(2), process.env);
