package main

// messagesZH is the CLI's Simplified Chinese catalog (see lang.T), in KooGallery's own terms: 商家 (the
// seller), 云商店 (KooGallery), 买家, 授权码 (a license code), 生产接口 (the production interface), 续费,
// 退订, 冻结, 释放. Flags, commands, variables and values typed on the command line stay as they are.
var messagesZH = map[string]string{
	"usage": `用法：licentia <命令> [参数]

命令：
  serve     运行授权服务器（云商店回调、公开接口、监控指标）
  migrate   执行数据库迁移后退出
  keys      管理签名密钥环：init、list、rotate、retire、public
  codes     客服：许可证的查询、查看、补发、吊销和历史（本地或经 --server）
  tokens    管理 API 令牌：create、list、revoke
  policy    按商品设置席位策略：set、list、delete（本地或经 --server）
  simulate  模拟云商店调用商家的生产接口：注册前的自测
  loadgen   向本机服务器施加有界、已签名的负载
  version   打印版本和构建所用的修订号

'licentia <命令> -h' 列出该命令的参数。每个命令都接受 --lang en|zh-CN（默认按区域设置 LC_ALL、LC_MESSAGES
或 LANG；zh_CN.UTF-8 即为中文）；打印时间的命令接受 --tz 时区（默认 TZ，否则为系统时区）。
`,
	"usage.codes": `用法：licentia codes <命令> [参数] [参数值]

命令：
  list      列出许可证：--order、--customer、--product、--status、--expiring-within 时长、--limit、--cursor、--all
  show      按许可证ID、订单ID、客户ID或粘贴的授权码查看许可证（--reveal 打印完整授权码）
  reissue   许可证ID --reason 原因：以相同权益签发新一代授权码；旧授权码随之作废
  revoke    许可证ID --reason 原因：永久吊销许可证；它的每个授权码都不再通过验证
  history   许可证ID：许可证的全部事件，按时间先后
  retry-upload 许可证ID --reason 原因：重新上传云商店多次拒收、已用尽重试次数的授权码
  retry-usage 许可证ID --reason 原因：重新上报今天（UTC）多次上报均未被云商店接受、已停止重试的使用记录
  seats     许可证ID：席位上限、已占用数及每个席位（部署哈希、占用、最近使用、租约、克隆）
  free-seat 许可证ID 部署 --reason 原因：释放一个部署的席位
  activate  授权码：为买家激活云商店 License 2.0 授权码，并绑定到一个许可证
  import    文件：导入 licentia 之前签发的许可证（CSV 或 JSON lines；仅限本地数据库）

每个命令都接受 --json，可直接操作本地数据库（--data、--db；参数和环境变量与 serve 相同），也可经远程服务器的
管理 API 操作（--server URL，配合 LICENTIA_TOKEN 或 --token-file 文件；仅限 https://，或指向本机回环地址的
http://）。本地操作时，审计日志记录的操作人是 --actor（环境变量 LICENTIA_ACTOR）或操作系统用户；远程操作时是
令牌的名称。时间按 --tz 时区显示（IANA 名称，如 Asia/Shanghai；默认 TZ，否则为系统时区），时区写在列标题或
时间之后；--json 中的时间始终为 UTC。
`,
	"usage.codes.list": `用法：licentia codes list [--order 订单ID] [--customer 客户ID] [--product 商品ID] [--status 状态]
                          [--expiring-within 时长] [--limit 条数] [--cursor 游标 | --all] [--json]
      licentia codes list --unactivated [--older-than 时长] [--limit 条数] [--json]

按许可证ID顺序分页列出许可证（--limit，默认 50 条）；下一页的 --cursor 打印在标准错误输出上。--all 一直翻到最后
一页。--expiring-within 接受 30d、72h 等时长，已过期的许可证也包括在内；永久许可证从不匹配。

--unactivated 改为列出已付款却从未在本服务器激活的内容，最早的在前：云商店已通知（orderNotify）但没有许可证
对应的订单，以及云商店已回调但没有绑定许可证的 License 2.0 授权码。--older-than 只保留已等待至少该时长的
（3d、72h）。

`,
	"usage.codes.show": `用法：licentia codes show 许可证ID|订单ID|客户ID|授权码 [--reveal] [--json]

查看一个许可证：状态、到期时间、代数，以及当前授权码解码后的声明。粘贴的授权码（按格式识别）也会被检查：
是否真实、是否为当前授权码或已被取代，以及离线验证此刻的结论。只有加 --reveal 才打印完整的当前授权码。

`,
	"usage.codes.history": `用法：licentia codes history 许可证ID|订单ID|授权码 [--json]

按时间先后列出涉及该许可证的每个事件：云商店回调、命令行和管理 API 的操作，包括时间、来源、操作人、动作、
代数、状态和到期时间的变化（前 → 后）、原因和请求ID。

`,
	"usage.codes.reissue": `用法：licentia codes reissue 许可证ID|订单ID|授权码 --reason 原因 [--reveal] [--free-seats] [--actor 名称] [--json]

以相同权益为该许可证签发新一代授权码。它的每个旧授权码都被取代：出现在吊销列表中，而 POST /v1/codes/refresh
（或 / 上的买家页面）会把新授权码交给买家。--reveal 打印新授权码。--free-seats 同时释放该许可证的全部席位（审计
记为 seat_freed），使泄露的授权码无法继续服务超过所购数量的部署：每个安装凭新授权码重新占用席位。

`,
	"usage.codes.revoke": `用法：licentia codes revoke 许可证ID|订单ID|授权码 --reason 原因 [--actor 名称] [--json]

永久吊销该许可证：签发状态为 revoked 的新一代，吊销列表所到之处，它的每个授权码都验证失败。云商店的回调
无法恢复它。

`,
	"usage.codes.retry-upload": `用法：licentia codes retry-upload 许可证ID|订单ID|授权码 --reason 原因 [--actor 名称] [--json]

立即重新上传云商店多次拒收、已用尽重试次数的授权码（G1b 异步申请License；codes show 中状态为 "dead",
并有 licentia_uploads_dead 指标和一条错误日志）。每次上传重新计数重试次数。本次重试连同原因记入该许可证的
审计日志。请先排除原因（AK/SK，或 last_error 中云商店的应答）。

`,
	"usage.codes.retry-usage": `用法：licentia codes retry-usage 许可证ID|订单ID|授权码 --reason 原因 [--actor 名称] [--json]

立即重新上报该许可证云商店授权码今天（UTC）的使用记录中，多次上报均未被云商店接受、已停止重试的那些（License 2.0
授权码软件使用统计；codes show 中显示为已停止重试，并有 licentia_usage_reports_dead 指标和一条警告日志）。每条
重新计数重试次数。本次重试连同原因记入该许可证的审计日志。更早日期的使用记录保持不变：上报不带日期，云商店按
到达的日期计数，它们已无法计入原来的日期。请先排除原因（AK/SK，或日志中云商店的应答）。

`,
	"usage.codes.activate": `用法：licentia codes activate 授权码|- [--deployment ID] [--reveal] [--actor 名称] [--issuer 签发者] [--grace 时长] [--json]

为买家激活云商店 License 2.0 授权码，与买家软件调用 POST /v1/activations 相同：授权码在云商店激活一次，
绑定到一个许可证，并返回 licentia 为它签发的离线授权码（再次调用返回同一许可证和授权码，不会第二次激活）。
--reveal 打印离线授权码，以便交给买家。授权码写 - 时从标准输入读取。

本地操作时，经 LICENTIA_KOOGALLERY_AK / LICENTIA_KOOGALLERY_SK（仅限环境变量）和 --koogallery-api（环境变量
LICENTIA_KOOGALLERY_API）访问云商店 OpenAPI；经 --server 时使用服务器的配置，且令牌须有 support 角色。本地
操作时，新许可证的授权码按 --issuer 和 --grace（环境变量 LICENTIA_ISSUER、LICENTIA_GRACE）签发：请与 serve
的设置一致，使其与 serve 签发的授权码相符。

`,
	"usage.codes.import": `用法：licentia codes import 文件 [--dry-run] [--format auto|csv|jsonl] [--json] [--tz 时区]
                            [--actor 名称] [--issuer 签发者] [--grace 时长] [--data 目录] [--db DSN]

导入 licentia 运行之前签发的许可证，使云商店之后对这些订单的回调（续费、冻结、释放、重发的 getLicense 或
newInstance）能找到它们。文件为带表头的 CSV，或以相同名称为键的 JSON lines：

  instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at[,status,quantity]

instance_id 是交给云商店的该订单的 instanceId。order_line_id 为空时生成 License 1.0 许可证（与 getLicense
一样只以订单为键）；否则以订单和订单行为键（newInstance）。expires_at 为 RFC 3339 时间，如
2027-03-01T00:00:00Z，或电子表格导出的日期（2027-03-01、2027/03/01、2027/3/1 8:00、2027年3月1日），按 --tz
时区解释（环境变量 TZ；默认 UTC）；为空表示永久；已过去的到期时间原样导入。status 为 active（默认）、
frozen、released 或 revoked。格式按扩展名判断（.csv；.jsonl、.ndjson、.json），否则按第一个非空行（"{":
JSON lines）；--format 优先于两者。每行一条（CSV 中带引号的单元格可以跨行），每个文件最多 100000 条。

每一行成为一个用当前密钥签名的第 1 代许可证，审计来源为 import。导入是幂等的：订单和订单行已有许可证的行会被
跳过，已有许可证保持不变。有误的行报告为 文件：行号：原因，该行不写入任何内容；有效的行照常导入。有任何一行
有误时退出码为 1。--dry-run 只检查文件（数据库存在时还检查哪些行会被跳过），不写入任何内容。

仅适用于本地数据库（--data、--db：参数和环境变量与 serve 相同；服务器运行时也可以导入），密钥环在
<data>/keys（新的 SQLite 数据目录中会像 serve 一样创建）。请给出与 serve 相同的 --issuer 和 --grace（或
LICENTIA_ISSUER、LICENTIA_GRACE），使授权码与 serve 签发的相符。

`,
	"usage.tokens": `用法：licentia tokens <create|list|revoke> [参数]

  create 名称 [--role read|support] [--out 文件]
                                       创建管理 API 令牌；令牌只打印一次（或写入新文件，权限 0600,
                                       供 LICENTIA_TOKEN_FILE 使用），只保存其哈希
  list                                 列出令牌：ID、名称、角色、创建时间、吊销时间
  revoke 名称|ID                       吊销令牌；此后使用它的请求都会失败

角色：read 可以列出、查看许可证并读取其历史；support 还可以补发、吊销许可证和查看完整授权码。令牌保存在
数据库中（--data、--db），共用该数据库的每个服务器都接受它们。

`,
	"usage.keys": `用法：licentia keys <init|list|rotate|retire 密钥ID|public> [--data 目录]

  init     创建密钥环及第一个签名密钥（已存在时不做任何事）
  list     列出密钥ID、角色（active 当前、retired 已轮换、withdrawn 已撤回）和创建时间
  rotate   添加新的签名密钥；旧密钥变为 retired：不再签名，但仍可用于验证
  retire   密钥ID：永久撤回泄露的旧密钥：它签发的授权码在此不再通过验证，它离开 JWKS 和
           'keys public',refresh 拒绝它的授权码；其私钥被删除。
           当前签名密钥不能撤回：请先 rotate
  public   以 PEM 打印所有可用于验证的公钥（内置到买家的软件中）

使用同一数据目录运行的服务器会自动接受 rotate 和 retire：它从不使用已撤回的密钥签名，并在一秒内提供新的
密钥（JWKS、吊销列表）。其他副本的 keys 目录副本须以同样方式更新（docs/deployment.md）。
`,
	"usage.simulate": `用法：licentia simulate --url URL [--scenario 名称|all] [--concurrency N] [--json]
                         [--path /koogallery/license] [--keys 文件] [--allow-remote] [--market-addr 地址]

模拟云商店调用商家的生产接口（licentia 或任何其他实现），打印通过/失败表格；任何一步失败时退出码为 1。
请在注册生产接口地址之前运行。除非给出 --allow-remote（例如您自己的预发布服务器），只接受回环地址的 URL。
接入密钥（Key）来自 LICENTIA_KOOGALLERY_KEY 或 --key-file 文件（环境变量 LICENTIA_KOOGALLERY_KEY_FILE）。

License 2.0 和 G1b 场景还会模拟云商店 OpenAPI：设置了 LICENTIA_KOOGALLERY_AK 和 LICENTIA_KOOGALLERY_SK 时，
simulate 在 --market-addr 上启动一个替身；请用 --koogallery-api http://地址 和相同的 AK/SK 启动商家服务
（licentia 为：licentia serve --koogallery-api http://127.0.0.1:8090 --activation-per-address 1000，因为这些
场景从同一地址激活的授权码多于默认的每小时 20 个）。未设置时跳过这些场景。激活步骤需要 licentia 自己的
POST /v1/activations，对其他商家实现会跳过。

场景：
`,
	"usage.serve": `用法：licentia serve [参数]

运行授权服务器：云商店生产接口（--callback-path）、公开接口（/v1/*、/ 上的买家页面）、管理 API(/admin/v1/*)
和 /metrics。每个参数都有对应的环境变量，写在其说明中。日志为 JSON lines(--log-format)，使用英文。

参数：
`,
	"keys.retired": `已撤回密钥 %[1]s：它签发的授权码不再能通过本密钥环的验证。
使用本数据目录运行的服务器立即停止用它签名，并在 %[2]s 秒内从 JWKS 中去掉它。
下一步：把本 keys 目录复制到其他每个副本（rsync -a --delete；各副本在 %[2]s 秒内生效）,
把 'licentia keys public' 的输出提供给内置公钥的验证程序，并为当前授权码由该密钥签发的许可证补发授权码。
`,
	"keys.rotated": `新的签名密钥 %[1]s：使用本数据目录运行的服务器在 %[2]s 秒内开始用它签名。
内置公钥的验证程序也需要新公钥（'licentia keys public'）；请把本 keys 目录复制到其他每个副本（各副本在 %[2]s 秒内生效）。
`,

	// Top level and shared.
	"no_command":             "没有给出命令",
	"unknown_command":        "未知命令 %q",
	"no_subcommand":          "%s: 没有给出子命令",
	"unknown_subcommand":     "%s: 未知子命令 %q",
	"bad_flag":               "命令行参数有误：%s",
	"no_argument":            "%s 不接受参数值，却给出了 %q",
	"wants":                  "%s 需要%s",
	"warning":                "licentia: 警告：",
	"flags_of":               "用法：licentia %s [参数]\n\n参数：\n",
	"flags":                  "参数：",
	"never":                  "永久",
	"actor_remote":           "--actor 只用于本地操作；经 --server 操作时，操作人是令牌的名称",
	"bad_within":             "%v（请用 30d、72h 这样的时长）",
	"bad_tz":                 "--tz %q: 请用 IANA 时区名称，如 Asia/Shanghai 或 UTC",
	"bad_grace":              "--grace %q: 请用非负的时长，如 72h",
	"data_empty":             "--data 不能为空",
	"create_data":            "创建数据目录",
	"no_ring_postgres":       "%s 中没有密钥环：使用 PostgreSQL 时所有副本须用同一个密钥环签名；请运行一次 'licentia keys init'，再把它的 keys 目录复制到每个副本的数据目录",
	"migrated":               "数据库结构版本为 %d",
	"read_stdin":             "从标准输入读取授权码",
	"secret_both_flags":      "请给出 --%s 或 --%s，不能同时给出",
	"secret_both_env":        "请设置 %s 或 %s，不能同时设置",
	"secret_on_command_line": "--%s 把密钥放在命令行上，本机的每个用户都能读到；请改为设置 %s 或使用 --%s",
	"secret_too_large":       "%s: %s 大于 %d KiB；文件中应只有密钥本身",
	"secret_empty":           "%s: %s 为空",

	// What a command wants as its arguments (parseArgs).
	"arg.ref":          "一个许可证ID、订单ID或授权码",
	"arg.ref_customer": "一个许可证ID、订单ID、客户ID或授权码",
	"arg.market_code":  "一个云商店授权码，或用 - 表示从标准输入读取",
	"arg.import_file":  "一个文件（CSV 或 JSON lines）",
	"arg.token_name":   "一个令牌名称",
	"arg.token_ref":    "一个令牌名称或ID",
	"arg.kid":          "一个密钥ID（见 'licentia keys list'）",

	// Flags.
	"flag.lang":                   "消息语言：en 或 zh-CN（默认按区域设置 LC_ALL、LC_MESSAGES 或 LANG）",
	"flag.tz":                     "显示时间所用的时区：IANA 名称，如 Asia/Shanghai，或 UTC（默认 TZ，否则为系统时区；JSON 中仍为 UTC）",
	"flag.server":                 "经管理 API 操作的 licentia 服务器地址，代替本地数据库（环境变量 LICENTIA_SERVER）",
	"flag.token":                  "--server 所用的管理 API 令牌",
	"flag.actor":                  "本地操作记录的操作人名称；默认为操作系统用户（环境变量 LICENTIA_ACTOR）",
	"flag.json":                   "以 JSON 输出",
	"flag.data":                   "数据目录：SQLite 数据库和密钥环（环境变量 LICENTIA_DATA）",
	"flag.db":                     "数据库：为空时使用数据目录中的 SQLite，或 postgres:// URL；PostgreSQL 还读取 PGPASSWORD 和 PGPASSFILE",
	"flag.sqlite_sync":            "SQLite 同步级别：FULL（断电不丢数据）或 NORMAL（环境变量 LICENTIA_SQLITE_SYNC）",
	"flag.db_max_conns":           "PostgreSQL：本进程最多打开的连接数（环境变量 LICENTIA_DB_MAX_CONNS）",
	"flag.db_wait":                "PostgreSQL：启动时等待不可达数据库的时长，超时后退出（环境变量 LICENTIA_DB_WAIT）",
	"flag.secret":                 "%s（环境变量 %s；作为参数值时本机每个用户都能看到：请优先使用环境变量或 --%s）",
	"flag.secret_file":            "存放 %s 的文件（环境变量 %s）",
	"flag.issuer":                 "授权码中的签发者名称，与 serve 相同（环境变量 LICENTIA_ISSUER）",
	"flag.grace":                  "验证程序在到期后接受的宽限期，如 72h，与 serve 相同（环境变量 LICENTIA_GRACE，默认 0s）",
	"flag.order":                  "只列出该订单ID的许可证",
	"flag.customer":               "只列出该客户ID的许可证",
	"flag.product":                "只列出该商品ID的许可证",
	"flag.status":                 "只列出该状态的许可证：active（有效）、frozen（冻结）、released（释放）或 revoked（吊销）",
	"flag.expiring_within":        "只列出在该时长内到期的许可证，如 30d 或 72h",
	"flag.limit":                  "每页条数（默认 50，最多 1000）",
	"flag.cursor":                 "从上一页之后继续",
	"flag.all":                    "一直翻到最后一页",
	"flag.unactivated":            "改为列出已付款但从未激活的订单和 License 2.0 授权码",
	"flag.older_than":             "配合 --unactivated：只列出已等待至少该时长的，如 3d",
	"flag.reveal_current":         "打印完整的当前授权码（持有即可使用的凭据）",
	"flag.reveal_new":             "打印新授权码（持有即可使用的凭据）",
	"flag.reveal_offline":         "打印离线授权码（持有即可使用的凭据）",
	"flag.reason":                 "原因；记入审计日志（必填）",
	"flag.deployment":             "买家的安装实例，记入审计日志",
	"flag.koogallery_api_local":   "本地模式：云商店 OpenAPI 地址（环境变量 %s）",
	"flag.format":                 "文件格式：csv、jsonl 或 auto（按扩展名，否则按第一行）",
	"flag.dry_run":                "只检查文件并报告将导入的内容，不写入任何内容",
	"flag.json_report":            "以 JSON 输出报告",
	"flag.import_actor":           "导入记录的操作人名称；默认为操作系统用户（环境变量 LICENTIA_ACTOR）",
	"flag.import_tz":              "未写时区的到期时间所用的时区，即电子表格导出的格式（2027/03/01、2027/3/1 8:00）：IANA 名称，如 Asia/Shanghai，或 UTC（环境变量 TZ；默认 UTC）",
	"flag.import_server":          "不支持：导入只操作本地数据库",
	"flag.role":                   "read 或 support",
	"flag.out":                    "把令牌写入这个新文件（权限 0600），而不是标准输出",
	"flag.koogallery_key":         "商家控制台中的云商店接入密钥（Key），轮换期间可用逗号或换行分隔多个",
	"flag.simulate_key":           "商家的云商店接入密钥（Key）（逗号或换行分隔的列表取第一个）",
	"flag.addr":                   "监听地址；端口 0 表示任选空闲端口，写在 \"listening\" 日志行中（环境变量 LICENTIA_ADDR）",
	"flag.addr_file":              "开始监听后把实际地址（host:port）写入该文件，如配合 --addr 127.0.0.1:0（环境变量 LICENTIA_ADDR_FILE）",
	"flag.metrics_addr":           "单独提供 /metrics 的监听地址，此后 --addr 不再提供它；为空时 /metrics 在 --addr 上（环境变量 LICENTIA_METRICS_ADDR）",
	"flag.legacy_window":          "License 1.0 timeStamp 的最长时效；更早的 URL 被拒绝，以防截获的请求被重放（环境变量 LICENTIA_LEGACY_WINDOW，默认 24h）",
	"flag.koogallery_api":         "云商店 OpenAPI 地址，逗号分隔，按顺序尝试（环境变量 %s；默认为云商店自己的地址）；凭据只来自 %s 和 %s",
	"flag.callback_path":          "在云商店注册的生产接口路径（环境变量 LICENTIA_CALLBACK_PATH）",
	"flag.trusted_proxy":          "licentia 前面的负载均衡器，逗号分隔的 IP 或 CIDR：限流改用它们的 X-Forwarded-For，日志记录它们的 X-Request-Id（环境变量 LICENTIA_TRUSTED_PROXIES）",
	"flag.max_client_conns":       "一个客户端地址（IPv6 为一个 /64）可同时保持的连接数；受信任的代理不受限；0 表示不限（环境变量 LICENTIA_MAX_CLIENT_CONNS，默认 %d）",
	"flag.log_format":             "日志格式：json 或 text（环境变量 LICENTIA_LOG_FORMAT）",
	"flag.log_level":              "日志级别：debug、info、warn、error（环境变量 LICENTIA_LOG_LEVEL）",
	"flag.activation_per_address": "一个客户端地址每小时可尝试激活 License 2.0 授权码的次数，无论结果如何每次都计数（环境变量 LICENTIA_ACTIVATION_PER_ADDRESS）",
	"flag.activation_global":      "每分钟送往云商店激活的授权码数，本进程以及（使用 PostgreSQL 时）所有副本合计（环境变量 LICENTIA_ACTIVATION_GLOBAL）",
	"flag.activation_unknown_ttl": "云商店不认识的授权码在多长时间内直接答复 not_found 而不再询问云商店（环境变量 LICENTIA_ACTIVATION_UNKNOWN_TTL）",

	// Table columns.
	"col.zone":          "%s（%s）",
	"col.id":            "许可证ID",
	"col.order":         "订单",
	"col.customer":      "客户",
	"col.product":       "商品",
	"col.status":        "状态",
	"col.gen":           "代数",
	"col.expires":       "到期时间",
	"col.kind":          "类别",
	"col.line":          "订单行",
	"col.type":          "订单类型",
	"col.code":          "授权码",
	"col.waiting_since": "等待起始时间",
	"col.time":          "时间",
	"col.source":        "来源",
	"col.actor":         "操作人",
	"col.action":        "动作",
	"col.reason":        "原因",
	"col.request":       "请求ID",
	"col.name":          "名称",
	"col.role":          "角色",
	"col.created":       "创建时间",
	"col.revoked":       "吊销时间",

	// codes list, list --unactivated.
	"more_licenses":     "还有更多许可证：加上 --cursor %s（或 --all）",
	"more_unactivated":  "另有 %d 条未显示：调大 --limit（最多 1000）或用 --older-than 缩小范围",
	"older_than_alone":  "--older-than 须与 --unactivated 一起使用",
	"unactivated_flags": "--unactivated 只接受 --older-than、--limit 和 --json",

	// codes show.
	"show.not_genuine":      "不是真实的授权码：签名无法用本服务器的密钥验证",
	"show.genuine":          "真实",
	"show.current":          "，为当前授权码",
	"show.superseded":       "，已被新一代授权码取代",
	"show.presented":        "粘贴的授权码",
	"show.presented_value":  "%s（指纹 %s，密钥 %s）",
	"show.offline_verdict":  "离线验证结论",
	"show.presented_claims": "粘贴授权码的声明",
	"show.license":          "许可证",
	"show.not_here":         "不在本数据库中",
	"show.order":            "订单",
	"show.customer":         "客户",
	"show.product":          "商品",
	"show.quantity":         "数量",
	"show.status":           "状态",
	"show.starts":           "生效时间",
	"show.expires":          "到期时间",
	"show.generation":       "代数",
	"show.generation_value": "%d（自 %s 起）",
	"show.created":          "创建时间",
	"show.created_value":    "%s(%s)",
	"show.signing_key":      "签名密钥",
	"show.code":             "授权码",
	"show.code_fingerprint": "指纹 %s（--reveal 打印完整授权码）",
	"show.claims":           "声明",
	"show.upload":           "上传",
	"upload.state":          "事件 %s：%s，已尝试 %d 次",
	"upload.accepted":       ",%s 被云商店接受",
	"upload.dead_hint":      " — 已停止重试，可用 codes retry-upload 重新上传",
	"upload.next":           "，下次尝试 %s",
	"upload.last_error":     "；最近一次错误：%s",
	"show.usage":            "使用统计上报",
	"usage.never":           "尚未上报任何一天",
	"usage.last":            "最近上报日期 %s（UTC）",
	"usage.pending":         "；%d 条使用记录待上报",
	"usage.dead":            "；%d 条使用记录多次上报均未被云商店接受，已停止重试 — 可用 codes retry-usage 重新上报今天的记录",

	// codes reissue, revoke, retry-upload, retry-usage, activate.
	"needs_reason":     "%s 需要 --reason 原因（记入审计日志）",
	"change.unchanged": "%s 已处于%s状态，代数 %d；未做任何更改",
	"change.reissued":  "已补发 %s：代数 %d → %d，状态为%s，到期 %s，授权码指纹 %s",
	"change.revoked":   "已吊销 %s：代数 %d → %d；吊销列表所到之处，它的每个授权码都验证失败",
	"retry.none":       "%s 没有已停止重试的上传；未做任何更改",
	"retry.done":       "%s：%d 个已停止重试的上传将立即重新上传",
	"retry_usage.none": "%s 今天（%s，UTC）没有已停止重试的使用记录；未做任何更改",
	"retry_usage.done": "%s：%d 条今天（%s，UTC）已停止重试的使用记录将立即重新上报",
	"retry_usage.older": "更早日期的 %d 条已停止重试的使用记录保持不变：云商店按上报到达的日期计数，" +
		"它们已无法计入原来的日期",
	"activated": "已激活：许可证 %s，代数 %d，状态为%s，到期 %s",

	// codes import.
	"import.nothing":        "未导入任何内容",
	"import.local_only":     "codes import 只操作本地数据库（--data、--db），不能经 --server 或 LICENTIA_SERVER：请在能访问服务器数据目录或数据库的地方运行",
	"import.stopped":        "%s 的导入停止于",
	"import.stopped_after":  "此前已导入 %d 行；再次导入该文件时会跳过它们",
	"import.postgres":       "PostgreSQL 数据库",
	"import.missing_db":     "%s（尚不存在）",
	"import.skipped":        "已跳过",
	"import.dry_run":        "试运行 %s：将导入 %d 行，跳过 %d 行；有误 %d 行；未写入任何内容（数据库：%s）",
	"import.done":           "已导入 %d 行，跳过 %d 行，有误 %d 行（%s 导入 %s）",
	"import.bad_dry":        "%d 行有误",
	"import.bad":            "%d 行有误，未导入；请修正后再次导入该文件（本次已导入的行届时会被跳过）",
	"import.progress_read":  "正在读取 %s：第 %d 行",
	"import.progress_write": "正在导入 %s:%d / %d 行",
	"import.p.empty":        "%s 为空",
	"import.p.too_long":     "%s 超过 %d 个字符",
	"import.p.spaces":       "%s %q 首尾有空格",
	"import.p.control":      "%s %q 含控制字符",
	"import.p.time":         "%s %q 不是可识别的时间，应如 2027-03-01T00:00:00Z、2027-03-01T08:00:00+08:00、2027/03/01 或 2027/3/1 8:00（不带时区的时间按 --tz 解释）",
	"import.p.before_1970":  "%s %q 不晚于 1970-01-01T00:00:00Z",
	"import.p.status":       "%s %q 不是 active、frozen、released、revoked 之一",
	"import.p.quantity":     "%s %q 不是 0 到 %d 之间的整数",
	"import.p.sep":          "；",
	"import.unreadable":     "这一行无法导入：%s",
	"import.note_other":     "该订单已有许可证 %q（这一行写的是 %q）",
	"import.id_taken":       "instance_id %q 已是 order_id %q（order_line_id %q）的许可证",
	"import.ref_taken":      "instance_id %q 在这里是云商店 License 2.0 授权码（已绑定到许可证，或有回调在等待它激活）；许可证ID不能与之相同",
	"import.format":         "--format %q：请用 csv、jsonl 或 auto",
	"import.open":           "无法打开导入文件",
	"import.line":           "第 %d 行",

	// tokens, keys.
	"token.created":      "已创建%s令牌 %q（ID %s）。它只显示这一次：请立即保存。",
	"token.created_file": "已创建%s令牌 %q(ID %s)，写入 %s",
	"token.write_failed": "令牌已保存：请吊销 %s 后另建一个",
	"token.revoked":      "已吊销令牌 %q(ID %s)",
	"keys.created":       "已创建签名密钥 %s，位于 %s",
	"keys.exists":        "密钥环已存在；签名密钥 %s",
	"keys.none":          "请运行 'licentia keys init' 或先启动一次服务器",

	// simulate.
	"sim.failed":              "simulate: %d / %d 步失败",
	"sim.no_aksk":             "simulate: 未设置 %s 和 %s：跳过 License 2.0 和 G1b 场景",
	"sim.market_addr":         "simulate: --market-addr %q: 请用回环地址 host:port",
	"sim.market_addr_other":   "请换一个 --market-addr",
	"sim.standin":             "simulate: 云商店 OpenAPI 替身运行在 %s；商家服务须以 --koogallery-api %s 和相同的 %s / %s 运行（licentia 还需 --activation-per-address 1000：这些场景从同一地址激活的授权码多于默认限额）",
	"sim.no_key":              "simulate: 需要接入密钥（Key）：请设置 LICENTIA_KOOGALLERY_KEY 或使用 --key-file",
	"sim.concurrency":         "simulate: --concurrency 须在 1 到 1000 之间",
	"sim.retry_interval":      "simulate: --retry-interval 须大于 0 且不超过 1s（重试时间表已压缩）",
	"sim.timeout":             "simulate: --timeout 须为正数",
	"sim.no_url":              "simulate: 需要 --url（或 LICENTIA_SIMULATE_URL）",
	"sim.bad_url":             "simulate: --url %q: 请用 http(s)://host[:port][/path]",
	"sim.remote":              "simulate: %s 不是回环地址；要对它运行请加 --allow-remote（会在那里创建、续费和释放许可证）",
	"sim.path":                "simulate: --path 须以 / 开头",
	"serve.legacy_window":     "--legacy-window %q：请用至少 1h 的时长，如 24h（云商店每小时重发一次 getLicense，共 3 小时）",
	"serve.max_conns":         "--max-client-conns %q：请用数字，0 表示不限",
	"serve.trusted_proxy":     "--trusted-proxy：%q 既不是 IP 地址也不是 CIDR 前缀",
	"serve.log_level":         "--log-level %q：请用 debug、info、warn 或 error",
	"serve.log_format":        "--log-format %q：请用 json 或 text",
	"serve.metrics_is_addr":   "--metrics-addr %s 与 --addr 相同：请给 /metrics 单独的监听地址，或不设 --metrics-addr",
	"serve.half_aksk":         "云商店 OpenAPI：%s 和 %s 须同时设置，或都不设置",
	"serve.bad_config":        "服务器配置有误：%s",
	"serve.activation_count":  "--%s %q：请用 1 到 %d 之间的整数",
	"serve.unknown_ttl":       "--activation-unknown-ttl %q：请用 1s 到 %s 之间的时长，如 15m",
	"serve.ring":              "%s 中的签名密钥环无法使用",
	"serve.store":             "无法打开数据库",
	"serve.run":               "服务器无法启动或因错误停止",
	"bad_db_max_conns":        "--db-max-conns %q：请用正整数",
	"bad_db_wait":             "--db-wait %q：请用不小于 0 的时长，如 30s",
	"bad_koogallery_api":      "--koogallery-api：不是可用的云商店 OpenAPI 地址：%v",
	"bad_market_config":       "云商店 OpenAPI（%s、%s）配置有误：%v",
	"secret_open":             "%s：无法打开：%v",
	"secret_read":             "%s：无法读取 %s：%v",
	"token.bad_out":           "--out：无法创建令牌文件：%v",
	"sim.standin_failed":      "simulate: 云商店 OpenAPI 替身无法启动",
	"sim.unknown_scenario":    "simulate: --scenario %q：没有这个场景（licentia simulate -h 列出全部场景）",
	"sim.keys_read":           "simulate: 读取 --keys 失败",
	"sim.keys":                "simulate: --keys %s",
	"sim.pass":                "通过",
	"sim.fail":                "失败",
	"sim.skip":                "跳过",
	"sim.summary":             "%s：共 %d 步，%d 步通过，%d 步失败，%d 步跳过（%s；订单号前缀 %s）",
	"sim.format_opaque":       "不透明许可证：需要 licentia 授权码的状态检查已跳过",
	"sim.format_licentia":     "licentia 授权码：每次变更后都检查了声明",
	"sim.format_api":          "；已演练 License 2.0 激活",
	"col.scenario":            "场景",
	"col.step":                "步骤",
	"col.result":              "结果",
	"flag.sim_url":            "商家服务的基础 URL，如 http://127.0.0.1:8080（环境变量 LICENTIA_SIMULATE_URL）",
	"flag.sim_scenario":       "要运行的场景，或 all；多个用逗号分隔",
	"flag.sim_concurrency":    "重发风暴中并发发送的请求数",
	"flag.sim_json":           "以 JSON 而不是表格打印报告",
	"flag.sim_path":           "生产接口路径（默认取 --url 的路径，否则为 /koogallery/license）",
	"flag.sim_keys":           "商家的公钥（PEM 或 JWKS）：验证返回的每个 licentia 授权码",
	"flag.sim_allow_remote":   "允许不在本机回环接口上的 URL",
	"flag.sim_prefix":         "订单号前缀（默认 SIM<时间>-<随机数>，每次运行都不同）",
	"flag.sim_retry_interval": "压缩后的云商店重试间隔",
	"flag.sim_timeout":        "每次调用的超时（云商店等待 5 秒）",
	"flag.sim_market_addr":    "云商店 OpenAPI 替身的回环地址（需要 LICENTIA_KOOGALLERY_AK 和 LICENTIA_KOOGALLERY_SK）",

	// loadgen
	"flag.lg_url":          "被测服务器的生产接口 URL",
	"flag.lg_key":          "服务器使用的云商店接入密钥（Key）（环境变量 LICENTIA_KOOGALLERY_KEY）",
	"flag.lg_mode":         "create、resend、renew 或 mixed",
	"flag.lg_duration":     "运行时长（最长 %s）",
	"flag.lg_concurrency":  "并发请求数（最多 %d）",
	"flag.lg_allow_remote": "允许不是回环地址的目标",
	"flag.lg_serve_bare":   "改为在这个回环地址上运行裸基线处理程序，持续 --duration",
	"lg.bad_url":           "loadgen: --url %q：请用 http(s)://host:port/path",
	"lg.remote":            "loadgen: --url %q 不是回环地址；除非加 --allow-remote，负载测试只在本机进行",
	"lg.no_key":            "loadgen: 需要 --key（绑定到生产接口的接入密钥；环境变量 LICENTIA_KOOGALLERY_KEY）",
	"lg.mode":              "loadgen: --mode %q：请用 create、resend、renew 或 mixed",
	"lg.duration":          "loadgen: --duration %s：须大于 0 且不超过 %s",
	"lg.concurrency":       "loadgen: --concurrency %d：须在 1 到 %d 之间",
	"lg.bare_addr":         "loadgen: --serve-bare %q：请用回环地址 host:port",
	"lg.listen":            "loadgen: 无法监听 %s",
	"lg.seed":              "loadgen: 在 %s 创建 resend 和 renew 所用的订单失败",
	"lg.report":            "模式 %s，并发 %d，%.1f 秒：%d 个请求，每秒 %.0f 个，%d 个错误",
	"lg.latency":           "延迟（毫秒）：p50 %.2f  p99 %.2f  p99.9 %.2f  最大 %.2f",
	"lg.first_error":       "第一个错误：%s",
	"lg.bare":              "裸基线处理程序运行在 http://%s，持续 %s",
	"usage.loadgen": `用法：licentia loadgen [--url URL] [--mode create|resend|renew|mixed] [--duration 时长] [--concurrency N] [--json]
      licentia loadgen --serve-bare 地址 [--duration 时长]

向本机服务器发送有界、签名正确的云商店调用，打印吞吐量和延迟（BENCHMARKS.md）。接入密钥（Key）取自 --key 或
LICENTIA_KOOGALLERY_KEY。除非加 --allow-remote，只接受回环地址的 URL。--serve-bare 改为运行服务器与之比较的
裸基线处理程序。

参数：
`,

	// Errors explained (lang.errorText).
	"err.explained":           "%s（%s）",
	"err.ambiguous":           "匹配到多个许可证，请用许可证ID指定",
	"err.invalid_code":        "不是真实的授权码",
	"err.superseded":          "该授权码已因补发而被取代，请使用新授权码",
	"err.unauthorized":        "管理 API 令牌缺失、未知或已吊销",
	"err.forbidden":           "该令牌的角色无权执行此操作",
	"err.no_signer":           "没有签名密钥",
	"err.market_unconfigured": "未配置云商店 OpenAPI(AK/SK)",
	"err.not_received":        "买家尚未在云商店领取该授权码",
	"err.market_unavailable":  "云商店暂时没有应答，请稍后再试",
	"err.code_in_use":         "该授权码不能在本服务器激活",
	"err.unknown_market_code": "云商店不认识该授权码",
	"err.no_sqlite":           "此版本不含 SQLite",
	"err.not_found":           "未找到",
	"err.conflict":            "冲突",
	"err.released":            "许可证已释放",
	"err.revoked":             "许可证已吊销",
	"err.rate_limited":        "请求过多，请稍后再试",
	"err.test_code":           "测试授权码",
	"err.bad_request":         "请求不正确",

	// Fixed values as the reader sees them (lang.value).
	"status.active":           "有效",
	"status.frozen":           "冻结",
	"status.released":         "释放",
	"status.revoked":          "吊销",
	"kind.order":              "订单",
	"kind.code":               "授权码",
	"source.koogallery":       "云商店",
	"source.koogallery-query": "云商店查询",
	"source.cli":              "命令行",
	"source.admin":            "管理API",
	"source.api":              "买家软件",
	"source.import":           "导入",
	"action.create":           "创建",
	"action.renew":            "续费",
	"action.unrenew":          "退订续费",
	"action.set_expiry":       "调整到期时间",
	"action.freeze":           "冻结",
	"action.unfreeze":         "解冻",
	"action.release":          "释放",
	"action.reissue":          "补发",
	"action.revoke":           "吊销",
	"action.activate":         "激活",
	"action.reconcile":        "对账",
	"action.ignored":          "忽略",
	"action.order_recorded":   "记录订单",
	"action.retry_upload":     "重新上传",
	"action.retry_usage":      "重新上报使用统计",
	"role.read":               "只读",
	"role.support":            "客服",
	"key.active":              "当前",
	"key.retired":             "已轮换",
	"key.withdrawn":           "已撤回",
	"upload.pending":          "待上传",
	"upload.done":             "已完成",
	"upload.dead":             "已停止重试",

	// codes seats, free-seat; policy.
	"usage.codes.seats": `用法：licentia codes seats 许可证ID|订单ID|授权码 [--json] [--tz 时区]

列出许可证的席位：按其商品策略（licentia policy）得出的席位上限或不限，已占用的席位数；每个席位的部署加盐哈希
（free-seat 所用）、其绑定包含的机器组件数、占用时间与最近使用时间（激活、刷新、签到）、租约到期时间（或一直
保持到释放；租约已过的席位不计入任何一方）、另一台机器最近一次携带其部署 id 的时间（克隆），以及其授权码
是否为许可证的当前代。从不显示部署的原始值：服务器只保存它们的哈希。

`,
	"usage.codes.free-seat": `用法：licentia codes free-seat 许可证ID|订单ID|授权码 部署 --reason 原因 [--actor 名称] [--json]

释放一个部署占用的席位，让另一个安装可以占用：买家把软件迁到了新机器，或容器退出时没有交还席位。部署是
codes seats 列出的哈希，或部署 id 本身（按服务器的方式计算哈希；经 --server 时只发送哈希）。释放记入许可证
的审计日志（seat_freed），附带原因。被释放的部署在下一次激活、刷新或签到时，若有空席位会重新占用。

`,
	"usage.policy": `用法：licentia policy <命令> [参数] [商品ID]

命令：
  set       商品ID [--seats quantity|unlimited|N] [--match K] [--lease 时长] [--require-fingerprint] [--usage id|count]
  list      设置了席位策略的商品及其策略
  delete    商品ID：删除该商品的策略；其许可证恢复默认策略

商品的席位策略决定它的一个许可证服务多少个部署。没有策略时，许可证的席位数等于购买数量（至少为一），一直
保持到释放，使用量上报按哈希逐个上报部署。每个命令都接受 --json，可操作本地数据库（--data、--db），也可经
管理 API 操作（--server URL，配合 LICENTIA_TOKEN 或 --token-file 文件；set 和 delete 需要 support 令牌）。
策略由谁修改随策略一起记录（本地为 --actor 或操作系统用户，远程为令牌名称），并写入日志。
`,
	"usage.policy.set": `用法：licentia policy set 商品ID [--seats quantity|unlimited|N] [--match K] [--lease 时长] [--require-fingerprint] [--usage id|count] [--actor 名称] [--json]

设置商品的席位策略。未给出的参数保持该商品现有策略不变（没有策略的商品为默认值）。--seats：quantity（许可证的
购买数量）、unlimited（仍然记录席位）或 1 到 999999 的数字。--match K：绑定部署的授权码至少需匹配的机器组件数
（0 表示过半）。--lease 时长（30m、72h、7d；0 表示不设，最长 366d）：在此时长内未被使用的席位被释放。
--require-fingerprint：不带 deviceFingerprint 的 G1b getLicenseAsync 被拒绝（000903）。--usage：每日使用量
上报如何统计部署，id（逐个按哈希）或 count（数量）。

`,
	"usage.policy.list": `用法：licentia policy list [--json] [--tz 时区]

列出设置了席位策略的商品：席位、匹配数、租约、指纹、使用量上报，以及各策略的设置时间和设置人。未列出的商品
使用默认策略（quantity、过半匹配、无租约）。

`,
	"usage.policy.delete": `用法：licentia policy delete 商品ID [--actor 名称] [--json]

删除商品的席位策略：其许可证恢复默认策略（每购买一个单位一个席位，一直保持到释放）。已占用的席位保持占用。

`,
	"arg.ref_deployment":          "一个许可证ID、订单ID或授权码，以及一个部署",
	"arg.product":                 "一个商品ID",
	"flag.free_seats":             "同时释放许可证的全部席位（泄露的授权码不再能服务超过所购数量的部署）",
	"flag.policy_seats":           "席位：quantity、unlimited 或数字",
	"flag.policy_match":           "绑定部署的授权码至少需匹配的组件数（0：过半）",
	"flag.policy_lease":           "席位在此时长内未被使用即释放（30m、72h、7d；0：从不）",
	"flag.policy_fingerprint":     "拒绝不带 deviceFingerprint 的 G1b getLicenseAsync（000903）",
	"flag.policy_usage":           "使用量上报：id 或 count",
	"change.seats_freed":          "已释放席位：%d 个（各部署凭新授权码重新占用席位）",
	"show.seats":                  "席位",
	"seats.heading":               "许可证 %s：%s",
	"seats.none":                  "没有部署占用席位",
	"seats.use":                   "已占用 %d 个席位，共 %d 个（策略 %s）",
	"seats.use_unlimited":         "已占用 %d 个席位，不限（策略 %s）",
	"seats.held":                  "保持到释放",
	"seats.lapsed":                "（已过期）",
	"seats.code_current":          "当前代（代数 %d）",
	"seats.code_older":            "旧代（代数 %d）",
	"seats.code_none":             "尚无",
	"seats.freed":                 "已释放许可证 %s 中部署 %s 的席位",
	"seats_policy.quantity":       "按购买数量",
	"seats_policy.unlimited":      "不限",
	"usage_mode.id":               "逐个部署",
	"usage_mode.count":            "数量",
	"col.deployment":              "部署",
	"col.components":              "组件数",
	"col.taken":                   "占用时间",
	"col.seen":                    "最近使用",
	"col.lease":                   "租约",
	"col.clone":                   "克隆",
	"col.seat_code":               "授权码",
	"col.seats":                   "席位",
	"col.match":                   "匹配",
	"col.fingerprint":             "指纹",
	"col.usage":                   "使用量上报",
	"col.updated":                 "设置时间",
	"col.updated_by":              "设置人",
	"policy.bad_lease":            "--lease %q：需要 30m、72h 或 7d 这样的时长，或 0 表示不设",
	"policy.set":                  "已设置 %s 的席位策略：%s（设置人 %s）",
	"policy.deleted":              "已删除 %s 的席位策略；其许可证恢复默认策略：%s",
	"policy.seats":                "席位 %s",
	"policy.match":                "匹配 %s",
	"policy.lease":                "租约 %s",
	"policy.usage":                "使用量上报%s",
	"policy.majority":             "过半",
	"policy.no_lease":             "无",
	"policy.fingerprint_required": "必须提供指纹",
	"policy.fingerprint_optional": "指纹可选",
	"policy.none":                 "没有商品设置席位策略：每个许可证的席位数等于其购买数量",
	"policy.sep":                  "；",
	"action.seat_taken":           "占用席位",
	"action.seat_clone":           "疑似克隆",
	"action.seat_freed":           "释放席位",
}
