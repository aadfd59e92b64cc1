// Verify a licentia authorization code offline with the licentia-verify package (sdk/java).
//
// Usage: java -cp licentia-verify.jar Verify.java JWKS_FILE CODE      (CODE "-" reads standard input)
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

import io.github.licentia.verify.Deployment;
import io.github.licentia.verify.Keyring;
import io.github.licentia.verify.Reason;
import io.github.licentia.verify.Result;
import io.github.licentia.verify.RevocationList;
import io.github.licentia.verify.State;
import io.github.licentia.verify.Verifier;
import io.github.licentia.verify.VerifyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

public final class Verify {
    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> env) {
        Verifier.Builder b;
        String code;
        try {
            if (args.length != 2) throw new IllegalStateException("want JWKS_FILE CODE");
            Keyring keys = Keyring.parse(Files.readAllBytes(Path.of(args[0])));
            b = Verifier.builder(keys);
            if (set(env, "LICENTIA_PRODUCT")) b.product(env.get("LICENTIA_PRODUCT"));
            if (set(env, "LICENTIA_SKU")) b.sku(env.get("LICENTIA_SKU"));
            if ("1".equals(env.get("LICENTIA_ANY_PRODUCT"))) b.anyProduct();
            if (set(env, "LICENTIA_ISSUER")) b.issuer(env.get("LICENTIA_ISSUER"));
            if ("1".equals(env.get("LICENTIA_ALLOW_TEST"))) b.allowTest();
            if (set(env, "LICENTIA_NOW")) b.clock(Clock.fixed(Instant.ofEpochSecond(Long.parseLong(env.get("LICENTIA_NOW"))), ZoneOffset.UTC));
            if (set(env, "LICENTIA_STATE")) b.state(State.open(Path.of(env.get("LICENTIA_STATE"))));
            if (set(env, "LICENTIA_REVOCATIONS")) {
                b.revocations(RevocationList.parse(keys, Files.readAllBytes(Path.of(env.get("LICENTIA_REVOCATIONS")))));
            }
            if (set(env, "LICENTIA_DEPLOYMENT_FILE")) {
                Deployment d;
                try {
                    d = Deployment.parse(Files.readAllBytes(Path.of(env.get("LICENTIA_DEPLOYMENT_FILE"))));
                } catch (IOException | VerifyException e) {
                    // the messages name the problem, never a value of the deployment
                    System.err.println("Verify: 部署文件 / deployment file: " + e.getMessage());
                    return 66;
                }
                b.deployment(d);
            }
            b.build(); // refuses to run without a product binding
            code = args[1].equals("-") ? new String(System.in.readNBytes(1 << 20), StandardCharsets.UTF_8) : args[1];
        } catch (IllegalStateException e) {
            System.err.println("usage: java Verify.java JWKS_FILE CODE   (CODE - reads standard input)\n"
                    + "       with LICENTIA_PRODUCT or LICENTIA_SKU set (or LICENTIA_ANY_PRODUCT=1)\n"
                    + "用法：java Verify.java 公钥文件 授权码（授权码为 - 时从标准输入读取），"
                    + "并设置 LICENTIA_PRODUCT 或 LICENTIA_SKU（或 LICENTIA_ANY_PRODUCT=1）\n" + e.getMessage());
            return 64;
        } catch (IOException | NumberFormatException | VerifyException e) {
            System.err.println("Verify: 无法使用公钥、吊销列表、状态文件或授权码 / unusable keys, revocation list, state file or code: " + e.getMessage());
            return 1;
        }
        try {
            Result r = b.build().check(code);
            if (r.inGrace()) System.err.println("Verify: 授权已到期，处于宽限期内，请续费 / the license has expired and is in its grace period; renew it");
            System.out.println(r.claims().toJson());
            return 0;
        } catch (VerifyException e) {
            System.err.println("Verify: 授权码无效 / invalid code: " + e.reason().wireName());
            return e.reason() == Reason.WRONG_DEPLOYMENT ? 8 : 1;
        }
    }

    private static boolean set(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isEmpty();
    }
}
