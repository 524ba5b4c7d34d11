/// The demo's two internal sources, each in a tenant and job of its own and on models the
/// customer workloads do not use, so that the customer figures stay as they were:
///
/// - the data-science team's LiteLLM gateway: a `/spend/logs` export (tenant `data-science`,
///   the team alias; job `analytics`, given when ingesting), from 2026-09-14;
/// - the engineering team's Claude Code sessions: a `claude-code/projects/...` folder in
///   Claude Code's own layout (tenant `engineering`, given when ingesting; job `claude-code`).
///
/// Both are cost centres: no revenue, so their margin in the chargeback is their cost, negative.
extension DemoCompany {
  static let gatewayTeam = "data-science"
  static let gatewayJob = "analytics"
  static let engineeringTenant = "engineering"
  static let liteLLMFile = "litellm-spend-logs.json"
  static let claudeCodeFolder = "claude-code"

  /// A price per token in units of 10^-12 dollars (the dollars per million tokens, times 10^6).
  struct GatewayModel {
    let name: String
    let provider: String
    let group: String
    let input: Int
    let output: Int
    let write5m: Int
    let read: Int
  }

  static let gatewayModels = [
    GatewayModel(
      name: "gpt-5-mini", provider: "openai", group: "gpt-5-mini", input: 250_000, output: 2_000_000,
      write5m: 250_000, read: 25_000),
    GatewayModel(
      name: "claude-sonnet-5", provider: "anthropic", group: "claude-sonnet", input: 2_000_000,
      output: 10_000_000, write5m: 2_500_000, read: 200_000),
  ]

  /// An amount in 10^-12 dollars as LiteLLM's `spend` text (`0.0`, `0.00412725`).
  static func spendText(_ picoDollars: Int) -> String {
    guard picoDollars > 0 else { return "0.0" }
    let digits = String(picoDollars % 1_000_000_000_000)
    var fraction = String(repeating: "0", count: 12 - digits.count) + digits
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return "\(picoDollars / 1_000_000_000_000)." + (fraction.isEmpty ? "0" : fraction)
  }

  /// `2026-09-14T10:00:00.412000`: a `startTime` as the `/spend/logs` response writes it (UTC, no zone).
  static func liteLLMTime(_ seconds: Int64, micros: Int) -> String {
    String(DemoJSON.time(seconds, micros: micros).dropLast())
  }

  static func uuid(_ random: inout DemoRandom) -> String {
    [8, 4, 4, 4, 12].map { random.string(length: $0, alphabet: DemoRandom.hex) }.joined(separator: "-")
  }

  /// The `/spend/logs` response (a pretty-printed JSON array, as `jq .` writes it) of the
  /// data-science team: notebooks and scheduled reports through the company's LiteLLM proxy,
  /// gpt-5-mini for extraction and claude-sonnet-5 (with a cached schema prompt) for write-ups.
  /// LiteLLM's `spend` is its own price of each row. A few rows were logged without
  /// `metadata.usage_object` (their cache tokens are unknown); a few requests failed.
  static func liteLLMSpendLogs() -> String {
    var random = DemoRandom(seed: 0x7A11_11E1_0003)
    let teamID = uuid(&random)
    let users = ["priya@example.com", "tomas@example.com", "li.wei@example.com"]
    let keys = users.map { _ in random.string(length: 64, alphabet: DemoRandom.hex) }
    var rows: [String] = []
    var day = date("2026-09-14")
    while day <= lastDay {
      let weekend = day.weekday >= 5
      let growth = 100 + (day.daysSinceEpoch - firstDay.daysSinceEpoch)
      let count = weekend ? random.int(0...2) : random.int(10...22) * growth / 100
      let seconds = (0..<count).map { _ in random.index(weights: hourWeights) * 3600 + random.int(0...3599) }
      for second in seconds.sorted() {
        let start = Timestamp.startOf(day) + Int64(second)
        let model = gatewayModels[random.chance(perMille: 700) ? 0 : 1]
        let user = random.int(0...(users.count - 1))
        var prompt = 0
        var reads = 0
        var writes = 0
        var completion = 0
        let failed = random.chance(perMille: 20)
        if !failed {
          if model.provider == "openai" {
            prompt = random.triangular(1_500...14_000)
            reads = random.chance(perMille: 500) ? 1_024 + 128 * random.int(0...((prompt - 1_024) / 128)) : 0
            completion = random.triangular(200...2_400)
          } else {
            let cold = random.chance(perMille: 250)
            writes = cold ? 18_400 : random.int(0...1_200)
            reads = cold ? 0 : 18_400
            prompt = random.triangular(400...3_000) + reads + writes
            completion = random.triangular(600...3_500)
          }
        }
        let withUsage = failed || !random.chance(perMille: 40)
        let input = prompt - reads - writes
        let spend =
          input * model.input + reads * model.read + writes * model.write5m + completion * model.output
        let duration = failed ? random.int(300...2_000) : random.int(1_500...28_000)
        let startMicros = random.int(0...999) * 1_000
        let endMillis = startMicros / 1_000 + duration
        let end = start + Int64(endMillis / 1_000)
        var usageObject = ""
        if withUsage && !failed {
          var members = [
            #""completion_tokens": \#(completion)"#, #""prompt_tokens": \#(prompt)"#,
            #""total_tokens": \#(prompt + completion)"#,
          ]
          if model.provider == "openai" {
            members.append(
              "\"prompt_tokens_details\": {\n          \"cached_tokens\": \(reads),\n          \"audio_tokens\": 0\n        }"
            )
            members.append(
              "\"completion_tokens_details\": {\n          \"reasoning_tokens\": \(completion * random.int(20...60) / 100)\n        }"
            )
          } else {
            members.append("\"prompt_tokens_details\": {\n          \"cached_tokens\": \(reads)\n        }")
            members.append(#""cache_creation_input_tokens": \#(writes)"#)
            members.append(#""cache_read_input_tokens": \#(reads)"#)
          }
          usageObject =
            ",\n      \"usage_object\": {\n" + members.map { "        " + $0 }.joined(separator: ",\n")
            + "\n      }"
        }
        let status = failed ? "failure" : "success"
        let requestID =
          model.provider == "openai"
          ? "chatcmpl-" + random.string(length: 29, alphabet: DemoRandom.alphanumeric)
          : "chatcmpl-" + uuid(&random)
        rows.append(
          """
            {
              "request_id": "\(requestID)",
              "call_type": "acompletion",
              "api_key": "\(keys[user])",
              "spend": \(spendText(spend)),
              "total_tokens": \(prompt + completion),
              "prompt_tokens": \(prompt),
              "completion_tokens": \(completion),
              "startTime": "\(liteLLMTime(start, micros: startMicros))",
              "endTime": "\(liteLLMTime(end, micros: (endMillis % 1_000) * 1_000))",
              "model": "\(model.name)",
              "model_group": "\(model.group)",
              "custom_llm_provider": "\(model.provider)",
              "user": "\(users[user])",
              "metadata": {
                "user_api_key": "\(keys[user])",
                "user_api_key_alias": null,
                "user_api_key_team_id": "\(teamID)",
                "user_api_key_user_id": "\(users[user])",
                "spend_logs_metadata": null,
                "requester_ip_address": "",
                "status": "\(status)",
                "user_api_key_team_alias": "\(gatewayTeam)"\(usageObject)
              },
              "cache_hit": "False",
              "request_tags": [],
              "team_id": "\(teamID)",
              "end_user": "",
              "status": "\(status)"
            }
          """)
      }
      day = day.adding(days: 1)
    }
    return "[\n" + rows.joined(separator: ",\n") + "\n]\n"
  }

  // MARK: Claude Code

  struct ClaudeCodeFile {
    /// The path under `claude-code/`.
    let path: String
    let contents: String
  }

  /// The engineering team's Claude Code sessions on the company's shared development box, as
  /// `~/.claude/projects` holds them: one folder per project (its path with `/` written `-`), a
  /// `<session>.jsonl` per session, and the subagents of a session in
  /// `<session>/subagents/agent-<id>.jsonl`. claude-opus-5 in the sessions, claude-sonnet-5 in
  /// the subagents. Each assistant message is written once per content block, its output
  /// count growing (streaming); user lines carry the prompts and tool results.
  static func claudeCodeSessions() -> [ClaudeCodeFile] {
    var random = DemoRandom(seed: 0x7A11_C0DE_0004)
    let projects = ["support-app", "billing-service", "data-pipelines"]
    let prompts = [
      "add a retry with backoff to the webhook sender",
      "why does the invoice export time out for large tenants?",
      "write tests for the rate limiter",
      "migrate the settings page to the new form components",
      "fix the flaky test in SessionStoreTests",
      "add an index for the tenant usage query and check the plan",
    ]
    let branches = ["main", "fix/webhook-retries", "feat/usage-index", "chore/forms"]
    var files: [ClaudeCodeFile] = []
    // Two sessions a week in September, three in October: Monday, Wednesday (and Friday).
    var days: [CivilDate] = []
    var day = firstDay
    while day <= lastDay {
      let weekdays = day.month == 9 ? [0, 3] : [0, 2, 4]
      if weekdays.contains(day.weekday) { days.append(day) }
      day = day.adding(days: 1)
    }
    for (number, day) in days.enumerated() {
      let project = projects[number % projects.count]
      let cwd = "/home/dev/src/\(project)"
      let folder = "projects/" + cwd.replacingOccurrences(of: "/", with: "-")
      let session = uuid(&random)
      let branch = random.element(of: branches)
      var clock = Timestamp.startOf(day) + Int64(random.int(8...15) * 3600 + random.int(0...3599))
      var millis = random.int(0...999)
      func stamp() -> String {
        let text = DemoJSON.time(clock, micros: millis * 1_000)
        return String(text.dropLast(4)) + "Z"
      }
      func advance(_ seconds: ClosedRange<Int>) {
        clock += Int64(random.int(seconds))
        millis = random.int(0...999)
      }
      var lines: [String] = []
      var parent = "null"
      func common(sidechain: Bool, agent: String?) -> String {
        #""parentUuid":\#(parent),"isSidechain":\#(sidechain),"userType":"external","cwd":"\#(cwd)","sessionId":"\#(session)","version":"2.0.14","gitBranch":"\#(branch)""#
          + (agent.map { #","agentId":"\#($0)""# } ?? "")
      }
      func user(_ content: String, sidechain: Bool = false, agent: String? = nil) -> String {
        let id = uuid(&random)
        defer { parent = DemoJSON.string(id) }
        return
          #"{\#(common(sidechain: sidechain, agent: agent)),"type":"user","message":{"role":"user","content":\#(content)},"uuid":"\#(id)","timestamp":"\#(stamp())"}"#
      }
      /// An assistant message, written once per content block with the output count growing.
      func assistant(
        model: String, usage: DemoUsage, blocks: Int, sidechain: Bool = false, agent: String? = nil
      ) -> [String] {
        let message = random.messageID()
        let request = random.anthropicRequestID()
        var written: [String] = []
        for block in 1...blocks {
          let output = block == blocks ? usage.output : max(1, usage.output * block / (blocks + 2))
          let content =
            block == blocks
            ? #"{"type":"tool_use","id":"toolu_01\#(random.string(length: 22, alphabet: DemoRandom.base58))","name":"\#(random.element(of: ["Bash", "Edit", "Read", "Grep"]))","input":{}}"#
            : #"{"type":"text","text":"Let me look at that."}"#
          var shown = usage
          shown.output = output
          let id = uuid(&random)
          written.append(
            #"{\#(common(sidechain: sidechain, agent: agent)),"type":"assistant","message":{"id":"\#(message)","type":"message","role":"assistant","model":"\#(model)","content":[\#(content)],"stop_reason":null,"stop_sequence":null,"usage":\#(usageJSON(shown, tier: "standard"))},"requestId":"\#(request)","uuid":"\#(id)","timestamp":"\#(stamp())"}"#
          )
          parent = DemoJSON.string(id)
          advance(0...2)
        }
        return written
      }

      let prompt = random.element(of: prompts)
      lines.append(
        #"{"type":"summary","summary":\#(DemoJSON.string(prompt.prefix(1).uppercased() + prompt.dropFirst())),"leafUuid":"\#(uuid(&random))"}"#
      )
      lines.append(user(DemoJSON.string(prompt)))
      advance(1...4)
      // The context grows turn by turn: the system prompt and tools (16,000 tokens) are read
      // from the cache, each turn's new messages are written to it.
      var context = 16_000
      let turns = random.int(18...46)
      for turn in 1...turns {
        let written = turn == 1 ? random.int(6_000...14_000) : random.triangular(400...5_500)
        let usage = DemoUsage(
          input: random.int(1...12), write5m: written, read: context, output: random.triangular(60...1_400))
        context += written
        // Claude Code compacts a long conversation: the summary starts a new, shorter context.
        if context > 150_000 { context = 16_000 + random.int(8_000...20_000) }
        lines += assistant(model: "claude-opus-5", usage: usage, blocks: random.int(1...3))
        advance(3...40)
        if turn == turns / 2 && random.chance(perMille: 400) {
          // A subagent explores the code base in a file of its own.
          let agent = random.string(length: 8, alphabet: DemoRandom.hex)
          var agentLines: [String] = []
          let saved = parent
          parent = "null"
          agentLines.append(
            user(
              DemoJSON.string("Find where \(prompt.split(separator: " ").last!) is handled"), sidechain: true,
              agent: agent))
          var agentContext = 12_000
          for _ in 1...random.int(4...12) {
            let written = random.triangular(1_000...6_000)
            let usage = DemoUsage(
              input: random.int(1...8), write5m: written, read: agentContext,
              output: random.triangular(80...600))
            agentContext += written
            agentLines += assistant(
              model: "claude-sonnet-5", usage: usage, blocks: random.int(1...2), sidechain: true, agent: agent
            )
            advance(1...6)
          }
          parent = saved
          files.append(
            ClaudeCodeFile(
              path: "\(folder)/\(session)/subagents/agent-\(agent).jsonl",
              contents: agentLines.joined(separator: "\n") + "\n"))
        }
        if turn < turns {
          lines.append(
            user(
              #"[{"type":"tool_result","tool_use_id":"toolu_01\#(random.string(length: 22, alphabet: DemoRandom.base58))","content":"ok"}]"#
            ))
          advance(1...30)
        }
      }
      files.append(
        ClaudeCodeFile(path: "\(folder)/\(session).jsonl", contents: lines.joined(separator: "\n") + "\n"))
    }
    return files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }
}
