import Foundation

/// What became of a request. Only `succeeded` is billed.
public enum RequestStatus: String, Sendable, CaseIterable {
  case succeeded, errored, canceled, expired
}

/// One request, normalised from any input format: the unit the ledger stores.
public struct UsageRecord: Hashable, Sendable {
  /// The idempotency key: `anthropic-batch:<batch id>:<custom_id>`, `openai-batch:<id>`,
  /// `api:<request id or response id>`.
  public var key: String
  public var provider: String
  /// The model as the record names it; nil for a failed batch line that names none.
  public var model: String?
  public var mode: Mode
  /// When the request was made (seconds since the epoch, UTC).
  public var timestamp: Int64
  public var status: RequestStatus
  public var tenant: String?
  public var job: String?
  public var customID: String?
  public var batchID: String?
  public var tokens: TokenCounts
  public var webSearches: Int
  /// `standard`, `priority`, `batch`, as the provider reported it.
  public var serviceTier: String?
  /// `global`, `us`, `not_available`, as the provider reported it.
  public var inferenceGeo: String?
  /// 0 for the request itself; n for the usage of its n-th usage iteration that is billed
  /// apart from the top-level usage (an advisor's sub-inference, a compaction step): a ledger
  /// row of its own, under its own model, that counts tokens but not a request.
  public var part = 0
  /// The request's iterations billed apart from its top-level usage, as the body reports them;
  /// `iterationRecords` turns them into records of their own.
  public var iterations: [UsageIteration] = []
  /// Tenant and job the format implies when nothing else names them (Claude Code: the
  /// project and `claude-code`): filled last, after `--tenant`/`--job`, so the flags override them.
  public var defaultTenant: String?
  public var defaultJob: String?
  /// The source's own cost figure (LiteLLM's `spend`), read exactly: shown beside Tally's
  /// price in the summary, never used for costing and not stored.
  public var reportedSpend: Decimal?
  /// Tenant and job read from the fields `--tenant-from` / `--job-from` name (nil when not given
  /// or absent): the first attribution rule.
  public var fromField = FieldAttribution()

  public var billed: Bool { status == .succeeded }

  /// One record per iteration: same request (provider, mode, time, status, tenant, job,
  /// batch), keyed `<key>#<position>` by the iteration's place in the body's list, at the
  /// iteration's model (else the request's), with `part` set. Empty for most requests.
  public func iterationRecords() -> [UsageRecord] {
    iterations.map { iteration in
      var record = self
      record.iterations = []
      record.key = "\(key)#\(iteration.position)"
      record.part = iteration.position
      record.model = iteration.model ?? model
      record.tokens = iteration.tokens
      record.webSearches = 0
      return record
    }
  }

  public init(
    key: String, provider: String, model: String?, mode: Mode, timestamp: Int64, status: RequestStatus,
    tenant: String? = nil, job: String? = nil, customID: String? = nil, batchID: String? = nil,
    tokens: TokenCounts = TokenCounts(), webSearches: Int = 0, serviceTier: String? = nil,
    inferenceGeo: String? = nil
  ) {
    self.key = key
    self.provider = provider
    self.model = model
    self.mode = mode
    self.timestamp = timestamp
    self.status = status
    self.tenant = tenant
    self.job = job
    self.customID = customID
    self.batchID = batchID
    self.tokens = tokens
    self.webSearches = webSearches
    self.serviceTier = serviceTier
    self.inferenceGeo = inferenceGeo
  }
}

/// One entry of Anthropic's `usage.iterations` that the top-level usage leaves out: the
/// `message` iterations add up to the top level, every other kind (`advisor_message`,
/// `compaction`, …) is billed on its own, at its own model, in its own categories.
public struct UsageIteration: Hashable, Sendable {
  /// The entry's `type`, such as `advisor_message` or `compaction`.
  public var kind: String
  /// The iteration's model; nil means the request's.
  public var model: String?
  public var tokens: TokenCounts
  /// 1-based place in the body's `iterations` list: stable, so re-ingesting finds the same key.
  public var position: Int

  public init(kind: String, model: String?, tokens: TokenCounts, position: Int) {
    self.kind = kind
    self.model = model
    self.tokens = tokens
    self.position = position
  }
}

/// A batch as the provider describes it (Anthropic message batch or OpenAI batch object).
public struct BatchInfo: Hashable, Sendable {
  public var id: String
  public var provider: String
  public var createdAt: Int64
  public var endedAt: Int64?
  public var status: String?
  /// The object's `request_counts`, when it has them.
  public var requestCounts: BatchRequestCounts?

  public init(
    id: String, provider: String, createdAt: Int64, endedAt: Int64?, status: String?,
    requestCounts: BatchRequestCounts? = nil
  ) {
    self.id = id
    self.provider = provider
    self.createdAt = createdAt
    self.endedAt = endedAt
    self.status = status
    self.requestCounts = requestCounts
  }
}

/// A batch object's `request_counts`: how many requests the batch had, and how many completed.
public struct BatchRequestCounts: Hashable, Sendable {
  /// Every request of the batch: Anthropic's processing + succeeded + errored + canceled +
  /// expired, OpenAI's `total`.
  public var total: Int
  /// Anthropic's `succeeded`, OpenAI's `completed`.
  public var completed: Int

  public init(total: Int, completed: Int) {
    self.total = total
    self.completed = completed
  }
}

extension BatchInfo {
  /// Reads a saved batch object: an Anthropic message batch (`"type":"message_batch"`) or an
  /// OpenAI batch (`"object":"batch"`).
  public static func parse(_ data: Data) throws(LineError) -> BatchInfo {
    struct Kind: Decodable {
      let type: String?
      let object: String?
    }
    let kind = try decodeLine(Kind.self, from: data)
    switch (kind.type, kind.object) {
    case ("message_batch", _): return try AnthropicBatchReader.batchInfo(from: data)
    case (_, "batch"): return try OpenAIBatchReader.batchInfo(from: data)
    default:
      throw LineError(
        "not a batch object: expected \"type\": \"message_batch\" (Anthropic) or \"object\": \"batch\" (OpenAI)"
      )
    }
  }
}

extension BatchInfo {
  /// Refuses a batch whose times are before 2000 or more than a day after `now` (seconds since
  /// the epoch), or whose id contains a NUL character.
  public func check(now: Int64) throws(LineError) {
    try checkStoredText(id, "the batch's id")
    try checkRequestTime(createdAt, now: now, "the batch's created_at \(Timestamp.describe(createdAt))")
    if let endedAt {
      try checkRequestTime(endedAt, now: now, "the batch's ended_at \(Timestamp.describe(endedAt))")
    }
  }
}
