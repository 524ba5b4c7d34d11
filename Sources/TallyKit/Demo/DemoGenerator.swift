/// The made-up company behind the demo data set: a small B2B SaaS selling support, contract
/// review and catalog tools to a dozen tenants, on Claude and a little OpenAI.
enum DemoCompany {
  enum Job: String, CaseIterable {
    case supportChat = "support-chat"
    case summarize
    case contractReview = "contract-review"
    case nightlyClassify = "nightly-classify"
    case catalogEnrich = "catalog-enrich"
  }

  struct Tenant {
    let slug: String
    /// Relative volume per job, in `Job.allCases` order; 0 when the tenant does not use the job.
    let weights: [Int]
    /// October revenue in cents; nil for a tenant that pays nothing (a free pilot).
    let revenueCents: Int?

    func weight(_ job: Job) -> Int { weights[Job.allCases.firstIndex(of: job)!] }
  }

  /// A few big customers and a long tail. stark-labs and tyrell are on the $49 starter plan and
  /// run many contract reviews: stark-labs costs more than it pays (negative margin), tyrell
  /// barely covers its cost (thin margin). cyberdyne is on a free pilot (no revenue). Anthropic
  /// batch `custom_id`s allow only `[a-zA-Z0-9_-]`, so müller-söhne's batch work goes through
  /// OpenAI, whose requests are attributed by the map file.
  static let tenants: [Tenant] = [
    // weights: support-chat, summarize, contract-review, nightly-classify, catalog-enrich
    Tenant(slug: "acme", weights: [30, 25, 18, 30, 35], revenueCents: 2_900_00),
    Tenant(slug: "globex", weights: [22, 18, 10, 25, 30], revenueCents: 1_950_00),
    Tenant(slug: "initech", weights: [14, 12, 8, 15, 0], revenueCents: 1_200_00),
    Tenant(slug: "umbrella", weights: [10, 8, 14, 10, 15], revenueCents: 1_100_00),
    Tenant(slug: "hooli", weights: [8, 10, 4, 8, 10], revenueCents: 690_00),
    Tenant(slug: "wayne-ent", weights: [6, 6, 12, 5, 0], revenueCents: 199_00),
    Tenant(slug: "stark-labs", weights: [3, 4, 22, 2, 0], revenueCents: 49_00),
    Tenant(slug: "tyrell", weights: [3, 5, 16, 3, 5], revenueCents: 49_00),
    Tenant(slug: "soylent", weights: [2, 4, 0, 2, 5], revenueCents: 99_00),
    Tenant(slug: "cyberdyne", weights: [1, 3, 2, 0, 0], revenueCents: nil),
    Tenant(slug: "müller-söhne", weights: [2, 3, 0, 0, 2], revenueCents: 199_00),
  ]

  /// A new customer, signed in October, with revenue and no usage yet.
  static let newCustomer = (slug: "vandelay", revenueCents: 690_00)

  static let sonnet = "claude-sonnet-4-5-20250929"
  static let haiku = "claude-haiku-4-5-20251001"
  /// As OpenAI writes it in bodies; the price table's `gpt-4o-mini` row prices it (a dated id
  /// resolves to the id without the date).
  static let gpt4oMini = "gpt-4o-mini-2024-07-18"

  static let firstDay = CivilDate(year: 2026, month: 9, day: 1)!
  static let lastDay = CivilDate(year: 2026, month: 10, day: 31)!

  /// Relative traffic per UTC hour: customers in Europe and the Americas, a quiet night.
  static let hourWeights = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 15, 14, 13, 14, 15, 15, 14, 12, 9, 6, 4, 3, 2, 1]

  static func tenant(for job: Job, random: inout DemoRandom) -> String {
    tenants[random.index(weights: tenants.map { $0.weight(job) })].slug
  }

  static let supportReplies = [
    "I've re-sent the invitation to your teammate; it is valid for 7 days.",
    "Your latest invoice is under Billing > Invoices, now with your VAT ID on it.",
    "SSO with Okta needs the ACS URL from Settings > Security; I've pasted it below.",
    "The export finished (4,812 rows) and stays on the Exports page for 24 hours.",
    "I couldn't reproduce the 502 here; could you send the request id from the error banner?",
    "Done: the workspace moves to the annual plan on the next billing date.",
  ]
  static let summaries = [
    "Summary: renewal discussed, two blockers (SSO, data export), follow-up call on Thursday.",
    "Summary: 14 tickets this week, 3 about invoices, 1 escalation resolved within SLA.",
    "Summary: the customer wants a DPA before rollout; legal owns the next step.",
    "Summary: pricing accepted, pilot extended to 40 seats, kickoff on the 1st.",
  ]
  static let reviews = [
    "Master services agreement: 3 issues (uncapped indemnity in 9.2, auto-renewal without notice in 14.1, governing law differs from the order form).",
    "Mutual NDA: standard terms; the 5-year survival clause exceeds the playbook's 3 years.",
    "Data processing agreement: sub-processor list missing; audit rights once a year (acceptable).",
    "Supplier agreement: liability cap at 12 months' fees (acceptable); no termination for convenience.",
    "Lease: upward-only rent review; break option on 6 months' notice.",
  ]
  static let labels = [
    #"{"category":"billing","priority":"normal"}"#,
    #"{"category":"bug","priority":"high"}"#,
    #"{"category":"how-to","priority":"low"}"#,
    #"{"category":"account","priority":"normal"}"#,
    #"{"category":"feature-request","priority":"low"}"#,
  ]
  static let listings = [
    #"{"title":"Stainless steel saucepan, 2 l, induction-ready","category":"Kitchen > Cookware"}"#,
    #"{"title":"Merino crew-neck sweater, navy","category":"Apparel > Knitwear"}"#,
    #"{"title":"LED desk lamp with USB-C charging port","category":"Home office > Lighting"}"#,
    #"{"title":"Trail running shoes, waterproof","category":"Sports > Footwear"}"#,
  ]
}

/// Usage of one Anthropic request in its disjoint categories (no 1-hour writes in the demo).
struct DemoUsage {
  var input = 0
  var write5m = 0
  var read = 0
  var output = 0
}

/// One generated file, plus how `install` ingests it.
struct DemoIngestStep {
  enum Kind {
    case apiLog
    /// Results attributed with the `custom_id` pattern, dated by the batch object.
    case anthropicBatch(object: String)
    /// Output or error file attributed with the map file, dated by the batch object.
    case openAIBatch(object: String)
    /// A LiteLLM spend-log export; the rows carry the tenant (the team), `job` is given.
    case liteLLMSpend(job: String)
    /// A folder of Claude Code sessions, walked for its `*.jsonl` files; `tenant` is given.
    case claudeCode(tenant: String)
  }
  let file: String
  let kind: Kind
}

extension DemoCompany {
  // MARK: Anthropic bodies

  static func usageJSON(_ usage: DemoUsage, tier: String) -> String {
    #"{"input_tokens":\#(usage.input),"cache_creation_input_tokens":\#(usage.write5m),"cache_read_input_tokens":\#(usage.read),"cache_creation":{"ephemeral_5m_input_tokens":\#(usage.write5m),"ephemeral_1h_input_tokens":0},"output_tokens":\#(usage.output),"service_tier":"\#(tier)","inference_geo":"not_available"}"#
  }

  static func messageJSON(id: String, model: String, text: String, usage: DemoUsage, tier: String) -> String {
    #"{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"text","text":\#(DemoJSON.string(text))}],"stop_reason":"end_turn","stop_sequence":null,"usage":\#(usageJSON(usage, tier: tier))}"#
  }

  static func chatCompletionJSON(
    id: String, created: Int64, text: String, prompt: Int, cached: Int, completion: Int
  ) -> String {
    #"{"id":"\#(id)","object":"chat.completion","created":\#(created),"model":"\#(gpt4oMini)","choices":[{"index":0,"message":{"role":"assistant","content":\#(DemoJSON.string(text)),"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion),"prompt_tokens_details":{"cached_tokens":\#(cached),"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_560af6e559"}"#
  }

  // MARK: API logs

  private struct APICall {
    var time: Int64
    var tenant: String?
    var job: Job
    var inMetadata: Bool
    var openAI = false
    var usage: DemoUsage
    var text: String
    var requestID: String
    var responseID: String
  }

  /// One month of synchronous calls, in time order: working-hours traffic, quieter weekends,
  /// 30% growth over the two months. October logs one call twice (a retried log write) and
  /// two summaries that fell back to OpenAI.
  static func apiLog(month: Int) -> String {
    var random = DemoRandom(seed: 0x7A11_0A91_0000 + UInt64(month))
    let first = CivilDate(year: 2026, month: month, day: 1)!
    var calls: [APICall] = []
    for offset in 0..<CivilDate.daysIn(month: month, year: 2026) {
      let day = first.adding(days: offset)
      let growth = 100 + (day.daysSinceEpoch - firstDay.daysSinceEpoch) / 2
      let weight = [10, 10, 10, 10, 10, 3, 2][day.weekday]
      let count = weight * 6 * growth / 100 * random.int(88...112) / 100
      let seconds = (0..<count).map { _ in random.index(weights: hourWeights) * 3600 + random.int(0...3599) }
      for second in seconds.sorted() {
        calls.append(call(at: Timestamp.startOf(day) + Int64(second), random: &random))
      }
    }
    if month == 10 {
      let summaries = calls.indices.filter { calls[$0].job == .summarize && calls[$0].tenant != nil }
      for index in [summaries[150], summaries[420]] {
        calls[index].openAI = true
        calls[index].inMetadata = false
        calls[index].usage = DemoUsage(
          input: random.triangular(6_000...12_000), output: random.triangular(300...700))
        calls[index].requestID = "req_" + random.string(length: 32, alphabet: DemoRandom.hex)
        calls[index].responseID = "chatcmpl-" + random.string(length: 29, alphabet: DemoRandom.alphanumeric)
      }
    }
    var lines: [String] = []
    for call in calls {
      let created = call.time - Int64(random.int(1...6))
      lines.append(line(call, created: created))
    }
    if month == 10,
      let index = calls.indices.first(where: { $0 >= calls.count * 2 / 5 && calls[$0].job == .supportChat })
    {
      lines.insert(lines[index], at: index + 1)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func call(at time: Int64, random: inout DemoRandom) -> APICall {
    let job: Job = random.chance(perMille: 720) ? .supportChat : .summarize
    let tenant = random.chance(perMille: 30) ? nil : self.tenant(for: job, random: &random)
    let inMetadata = tenant != nil && random.chance(perMille: 60)
    var usage = DemoUsage()
    let text: String
    switch job {
    case .supportChat:
      // A cached system prompt and tools (6,200 tokens); a new conversation writes the
      // tenant's knowledge base to the cache, later turns read it and write the new turn.
      if random.chance(perMille: 280) {
        usage = DemoUsage(
          input: random.int(300...1_800), write5m: random.triangular(9_000...28_000), read: 6_200,
          output: random.triangular(250...1_100))
      } else {
        usage = DemoUsage(
          input: random.int(120...900), write5m: random.int(600...4_500),
          read: 6_200 + random.triangular(8_000...60_000), output: random.triangular(120...1_000))
      }
      text = random.element(of: supportReplies)
    default:
      usage = DemoUsage(input: random.triangular(2_500...32_000), output: random.triangular(180...1_100))
      text = random.element(of: summaries)
    }
    return APICall(
      time: time, tenant: tenant, job: job, inMetadata: inMetadata, usage: usage, text: text,
      requestID: random.anthropicRequestID(), responseID: random.messageID())
  }

  private static func line(_ call: APICall, created: Int64) -> String {
    var line = #"{"timestamp":"\#(Timestamp.format(call.time))""#
    if call.inMetadata {
      line +=
        #","request_id":"\#(call.requestID)","metadata":{"tenant":\#(DemoJSON.string(call.tenant!)),"job":"\#(call.job.rawValue)"}"#
    } else {
      if let tenant = call.tenant { line += #","tenant":\#(DemoJSON.string(tenant))"# }
      line += #","job":"\#(call.job.rawValue)","request_id":"\#(call.requestID)""#
    }
    let body =
      call.openAI
      ? chatCompletionJSON(
        id: call.responseID, created: created, text: call.text, prompt: call.usage.input, cached: 0,
        completion: call.usage.output)
      : messageJSON(
        id: call.responseID, model: call.job == .supportChat ? sonnet : haiku, text: call.text,
        usage: call.usage,
        tier: "standard")
    return line + #","response":\#(body)}"#
  }

  // MARK: Anthropic message batches

  enum BatchEnding {
    case normal
    /// Ran into the 24-hour limit: the last `expired` requests were never processed.
    case hitExpiry(expired: Int)
    /// Canceled after `processed` requests; the rest are `canceled`.
    case canceled(processed: Int)
  }

  struct BatchPlan {
    let job: Job
    let day: CivilDate
    let requests: Int
    /// Requests above 200,000 input tokens (the long-context tier).
    let longContext: Int
    let ending: BatchEnding
  }

  /// Contract review every other Monday in September, weekly in October; nightly-classify
  /// backfills on Wednesday nights, one of them canceled.
  static let batchPlans: [BatchPlan] = [
    BatchPlan(job: .contractReview, day: date("2026-09-07"), requests: 170, longContext: 1, ending: .normal),
    BatchPlan(job: .nightlyClassify, day: date("2026-09-16"), requests: 210, longContext: 0, ending: .normal),
    BatchPlan(job: .contractReview, day: date("2026-09-21"), requests: 200, longContext: 1, ending: .normal),
    BatchPlan(
      job: .nightlyClassify, day: date("2026-09-30"), requests: 260, longContext: 0,
      ending: .canceled(processed: 212)),
    BatchPlan(job: .contractReview, day: date("2026-10-05"), requests: 240, longContext: 1, ending: .normal),
    BatchPlan(job: .contractReview, day: date("2026-10-12"), requests: 265, longContext: 2, ending: .normal),
    BatchPlan(job: .nightlyClassify, day: date("2026-10-14"), requests: 310, longContext: 0, ending: .normal),
    BatchPlan(
      job: .contractReview, day: date("2026-10-19"), requests: 290, longContext: 1,
      ending: .hitExpiry(expired: 7)),
    BatchPlan(job: .contractReview, day: date("2026-10-26"), requests: 320, longContext: 2, ending: .normal),
    BatchPlan(job: .nightlyClassify, day: date("2026-10-28"), requests: 340, longContext: 0, ending: .normal),
  ]

  static func date(_ text: String) -> CivilDate { CivilDate(parsing: text)! }

  struct GeneratedBatch {
    let id: String
    /// The batch object, as `GET /v1/messages/batches/{id}` (or `/v1/batches/{id}`) returns it.
    let object: String
    let results: String
    /// OpenAI only: the error file.
    var errors: String?
  }

  static func anthropicBatches() -> [GeneratedBatch] {
    var random = DemoRandom(seed: 0x7A11_BA7C_0001)
    var sequence: [Job: Int] = [:]
    var batches: [GeneratedBatch] = []
    for plan in batchPlans {
      let review = plan.job == .contractReview
      let id = "msgbatch_01" + random.string(length: 22, alphabet: DemoRandom.base58)
      let created =
        Timestamp.startOf(plan.day) + (review ? 6 * 3600 : 5400) + Int64(random.int(0...(review ? 420 : 240)))
      let createdMicros = random.int(0...999_999)
      var long = Set<Int>()
      while long.count < plan.longContext { long.insert(random.int(0...(plan.requests * 3 / 5))) }
      var counts = (succeeded: 0, errored: 0, canceled: 0, expired: 0)
      var lines: [String] = []
      for index in 0..<plan.requests {
        let number = (sequence[plan.job] ?? 0) + 1
        sequence[plan.job] = number
        let digits = String(number)
        let customID =
          "\(tenant(for: plan.job, random: &random))_\(plan.job.rawValue)_"
          + String(repeating: "0", count: 6 - digits.count) + digits
        let result: String
        switch plan.ending {
        case .canceled(let processed) where index >= processed:
          counts.canceled += 1
          result = #"{"type":"canceled"}"#
        case .hitExpiry(let expired) where index >= plan.requests - expired:
          counts.expired += 1
          result = #"{"type":"expired"}"#
        default:
          if !long.contains(index) && random.chance(perMille: review ? 15 : 6) {
            counts.errored += 1
            let (type, message) =
              random.chance(perMille: 700)
              ? ("overloaded_error", "Overloaded") : ("api_error", "Internal server error")
            result =
              #"{"type":"errored","error":{"type":"error","error":{"type":"\#(type)","message":"\#(message)"},"request_id":"\#(random.anthropicRequestID())"}}"#
          } else {
            counts.succeeded += 1
            let usage =
              review
              ? reviewUsage(long: long.contains(index), random: &random) : classifyUsage(random: &random)
            let message = messageJSON(
              id: random.messageID(), model: review ? sonnet : haiku,
              text: random.element(of: review ? reviews : labels), usage: usage, tier: "batch")
            result = #"{"type":"succeeded","message":\#(message)}"#
          }
        }
        lines.append(#"{"custom_id":"\#(customID)","result":\#(result)}"#)
      }
      random.shuffle(&lines)

      let expires = created + 86_400
      var ended: (seconds: Int64, micros: Int)
      var cancelInitiated = "null"
      switch plan.ending {
      case .normal:
        ended = (
          created + Int64(review ? random.int(3_000...13_800) : random.int(720...2_880)),
          random.int(0...999_999)
        )
      case .hitExpiry:
        ended = (expires, createdMicros)
      case .canceled:
        let cancel = created + 2_280 + Int64(random.int(0...120))
        cancelInitiated = DemoJSON.string(DemoJSON.time(cancel, micros: random.int(0...999_999)))
        ended = (cancel + Int64(random.int(90...150)), random.int(0...999_999))
      }
      let object = """
        {
          "id": "\(id)",
          "type": "message_batch",
          "processing_status": "ended",
          "request_counts": {
            "processing": 0,
            "succeeded": \(counts.succeeded),
            "errored": \(counts.errored),
            "canceled": \(counts.canceled),
            "expired": \(counts.expired)
          },
          "created_at": "\(DemoJSON.time(created, micros: createdMicros))",
          "ended_at": "\(DemoJSON.time(ended.seconds, micros: ended.micros))",
          "expires_at": "\(DemoJSON.time(expires, micros: createdMicros))",
          "cancel_initiated_at": \(cancelInitiated),
          "archived_at": null,
          "results_url": "https://api.anthropic.com/v1/messages/batches/\(id)/results"
        }

        """
      batches.append(GeneratedBatch(id: id, object: object, results: lines.joined(separator: "\n") + "\n"))
    }
    return batches
  }

  /// A contract with its exhibits; the review playbook (7,400 tokens) is cached on a best-effort
  /// basis, as caching in batches is.
  private static func reviewUsage(long: Bool, random: inout DemoRandom) -> DemoUsage {
    let cache = random.int(0...99)
    return DemoUsage(
      input: long ? random.int(205_000...380_000) : random.triangular(35_000...185_000),
      write5m: (60..<70).contains(cache) ? 7_400 : 0, read: cache < 60 ? 7_400 : 0,
      output: random.triangular(1_800...9_500))
  }

  /// A ticket against a cached 2,900-token taxonomy; the answer is a short JSON label.
  private static func classifyUsage(random: inout DemoRandom) -> DemoUsage {
    let cache = random.int(0...99)
    return DemoUsage(
      input: random.triangular(600...3_800), write5m: (85..<90).contains(cache) ? 2_900 : 0,
      read: cache < 85 ? 2_900 : 0, output: random.int(25...160))
  }

  // MARK: OpenAI batches

  /// catalog-enrich on Thursday nights, gpt-4o-mini through the OpenAI Batch API.
  static let openAIBatchDays = [date("2026-09-24"), date("2026-10-22")]
  static let openAIBatchRequests = [360, 450]

  /// The OpenAI batches and the `custom_id,tenant,job` map file exported from the application.
  static func openAIBatches() -> (batches: [GeneratedBatch], map: String) {
    var random = DemoRandom(seed: 0x7A11_0BA7_0002)
    var map = "custom_id,tenant,job\n"
    var batches: [GeneratedBatch] = []
    for (day, requests) in zip(openAIBatchDays, openAIBatchRequests) {
      let id = "batch_" + random.string(length: 32, alphabet: DemoRandom.hex)
      let created = Timestamp.startOf(day) + 22 * 3600 + 600 + Int64(random.int(0...300))
      let inProgress = created + Int64(random.int(20...90))
      let finalizing = inProgress + Int64(random.int(5_400...10_800))
      let completed = finalizing + Int64(random.int(60...300))
      let stamp = String(day.description.filter { $0 != "-" })
      var output: [String] = []
      var errors: [String] = []
      for index in 1...requests {
        let digits = String(index)
        let customID = "enrich-\(stamp)-" + String(repeating: "0", count: 5 - digits.count) + digits
        map += "\(customID),\(tenant(for: .catalogEnrich, random: &random)),catalog-enrich\n"
        let requestID = "batch_req_" + random.string(length: 32, alphabet: DemoRandom.hex)
        let upstreamID = random.string(length: 32, alphabet: DemoRandom.hex)
        if random.chance(perMille: 28) {
          errors.append(
            #"{"id":"\#(requestID)","custom_id":"\#(customID)","response":{"status_code":400,"request_id":"\#(upstreamID)","body":{"error":{"message":"Timeout while downloading the image from the given URL.","type":"invalid_request_error","param":null,"code":"invalid_image_url"}}},"error":null}"#
          )
          continue
        }
        let prompt = random.triangular(700...4_200)
        let cached =
          prompt >= 1_152 && random.chance(perMille: 350)
          ? 1_024 + 128 * random.int(0...((prompt - 1_024) / 128)) : 0
        let body = chatCompletionJSON(
          id: "chatcmpl-" + random.string(length: 29, alphabet: DemoRandom.alphanumeric),
          created: inProgress + Int64(random.int(0...Int(finalizing - inProgress))),
          text: random.element(of: listings), prompt: prompt, cached: cached,
          completion: random.triangular(120...650))
        output.append(
          #"{"id":"\#(requestID)","custom_id":"\#(customID)","response":{"status_code":200,"request_id":"\#(upstreamID)","body":\#(body)},"error":null}"#
        )
      }
      random.shuffle(&output)
      let fileID = { (random: inout DemoRandom) in
        "file-" + random.string(length: 22, alphabet: DemoRandom.alphanumeric)
      }
      let object = """
        {
          "id": "\(id)",
          "object": "batch",
          "endpoint": "/v1/chat/completions",
          "errors": null,
          "input_file_id": "\(fileID(&random))",
          "completion_window": "24h",
          "status": "completed",
          "output_file_id": "\(fileID(&random))",
          "error_file_id": "\(fileID(&random))",
          "created_at": \(created),
          "in_progress_at": \(inProgress),
          "expires_at": \(created + 86_400),
          "finalizing_at": \(finalizing),
          "completed_at": \(completed),
          "failed_at": null,
          "expired_at": null,
          "cancelling_at": null,
          "cancelled_at": null,
          "request_counts": {
            "total": \(requests),
            "completed": \(output.count),
            "failed": \(errors.count)
          },
          "metadata": {
            "job": "catalog-enrich"
          }
        }

        """
      batches.append(
        GeneratedBatch(
          id: id, object: object, results: output.joined(separator: "\n") + "\n",
          errors: errors.joined(separator: "\n") + "\n"))
    }
    return (batches, map)
  }
}
