package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

const codesRetryUploadUsage = `usage: licentia codes retry-upload ID|ORDER-ID|CODE --reason TEXT [--actor NAME] [--json]

Tries again, at once, the uploads of the license's code that the marketplace refused until their attempts
ran out (G1b getLicenseAsync; "dead" in codes show, the licentia_uploads_dead metric and an error log line).
Each gets a fresh count of attempts. The retry is recorded in the license's audit log with the reason. Fix
the cause first (AK/SK, the marketplace's answer in last_error).

用法: licentia codes retry-upload 许可ID|订单ID|授权码 --reason 原因 [--actor 名称] [--json]

立即重新上传云商店多次拒收、已用尽重试次数的授权码(G1b 异步申请License;codes show 中状态为 "dead",
并有 licentia_uploads_dead 指标和一条错误日志)。每次上传重新计数重试次数。本次重试连同原因记入该许可的
审计日志。请先排除原因(AK/SK,或 last_error 中云商店的应答)。

`

func runCodesRetryUpload(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes retry-upload", codesRetryUploadUsage, stderr)
	var c codesFlags
	c.register(fs, getenv)
	var req support.ChangeRequest
	fs.StringVar(&req.Reason, "reason", "", "why; recorded in the audit log (required) / 原因,记入审计日志(必填)")
	pos, err := fs.parseArgs(args, 1, "one license id, order id or code / 一个许可ID、订单ID或授权码")
	if err != nil {
		return err
	}
	if req.Reason == "" {
		return &usageError{"retry-upload needs --reason TEXT (it goes into the audit log) / retry-upload 需要 --reason(记入审计日志)"}
	}
	b, actor, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	req.Actor = actor
	out, err := b.RetryUploads(ctx, pos[0], req)
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, out)
	}
	if out.Retried == 0 {
		fmt.Fprintf(stdout, "%s has no dead-lettered upload; nothing changed\n%s 没有已停止重试的上传;未做任何更改\n",
			out.LicenseID, out.LicenseID)
		return nil
	}
	fmt.Fprintf(stdout, "%s: %d dead-lettered upload(s) due again now\n%s:%d 个已停止重试的上传将立即重新上传\n",
		out.LicenseID, out.Retried, out.LicenseID, out.Retried)
	return nil
}
