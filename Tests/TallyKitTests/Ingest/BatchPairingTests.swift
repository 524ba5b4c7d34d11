import Foundation
import Testing

@testable import TallyKit

@Suite("Batch pairing")
struct BatchPairingTests {
  @Test func theBatchIdOfAFileName() {
    #expect(BatchPairing.batchID(inFileName: "dl/msgbatch_01abc_results.jsonl") == "msgbatch_01abc")
    #expect(
      BatchPairing.batchID(inFileName: "batch_1a1e4773ae15b0af44c13c9e09fcc2d9_output.jsonl")
        == "batch_1a1e4773ae15b0af44c13c9e09fcc2d9")
    #expect(BatchPairing.batchID(inFileName: "batch_output.jsonl") == nil)
    #expect(BatchPairing.batchID(inFileName: "mybatch_12345678.jsonl") == nil)
    #expect(BatchPairing.batchID(inFileName: "results.jsonl") == nil)
  }

  @Test func aResultsFileFindsTheBatchObjectBesideIt() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-pairing-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for name in ["msgbatch_01abc.json", "batch_abc12345.json"] {
      try Data("{}".utf8).write(to: directory.appendingPathComponent(name))
    }
    let path = { (name: String) in directory.appendingPathComponent(name).path }
    #expect(BatchPairing.companion(of: path("msgbatch_01abc_results.jsonl")) == path("msgbatch_01abc.json"))
    #expect(BatchPairing.companion(of: path("batch_abc12345_output.jsonl")) == path("batch_abc12345.json"))
    #expect(BatchPairing.companion(of: path("batch_abc12345_errors.jsonl")) == path("batch_abc12345.json"))
    #expect(BatchPairing.companion(of: path("msgbatch_01xyz_results.jsonl")) == nil)
    #expect(BatchPairing.companion(of: path("msgbatch_01abc.jsonl")) == nil)
    #expect(BatchPairing.companion(of: "-") == nil)
  }

  static func anthropic(_ counts: (succeeded: Int, errored: Int)) throws -> BatchInfo {
    try BatchInfo.parse(
      Data(
        """
        {"id": "msgbatch_01abc", "type": "message_batch", "created_at": "2026-10-01T00:00:00Z",
         "request_counts": {"processing": 0, "succeeded": \(counts.succeeded), "errored": \(counts.errored), "canceled": 0, "expired": 0}}
        """.utf8))
  }

  @Test func requestCountsAreReadFromBothProviders() throws {
    #expect(try Self.anthropic((7, 3)).requestCounts == BatchRequestCounts(total: 10, completed: 7))
    let openAI = try BatchInfo.parse(
      Data(
        #"{"id": "batch_x", "object": "batch", "created_at": 1790000000, "request_counts": {"total": 9, "completed": 8, "failed": 1}}"#
          .utf8))
    #expect(openAI.requestCounts == BatchRequestCounts(total: 9, completed: 8))
  }

  static func refusal(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      guard case IngestFailure.refused(let problem)? = error as? IngestFailure else {
        return "not refused: \(error)"
      }
      return problem.description
    }
  }

  @Test func countsAreComparedWithWhatTheFileCanHold() throws {
    let batch = try Self.anthropic((7, 3))
    #expect(
      Self.refusal {
        try BatchPairing.checkCounts(
          path: "r.jsonl", format: .anthropicBatch, batch: batch, batchPath: "b.json", lines: 9,
          successfulLines: 7)
      } == "r.jsonl: the batch object b.json counts 10 requests, the file has 9 result lines")
    #expect(
      Self.refusal {
        try BatchPairing.checkCounts(
          path: "r.jsonl", format: .anthropicBatch, batch: batch, batchPath: "b.json", lines: 10,
          successfulLines: 7)
      } == nil)
    var openAI = batch
    openAI.requestCounts = BatchRequestCounts(total: 450, completed: 435)
    func check(_ name: String, lines: Int, successful: Int) -> String? {
      Self.refusal {
        try BatchPairing.checkCounts(
          path: name, format: .openaiBatch, batch: openAI, batchPath: "b.json", lines: lines,
          successfulLines: successful)
      }
    }
    #expect(check("batch_x_output.jsonl", lines: 435, successful: 435) == nil)
    #expect(
      check("batch_x_output.jsonl", lines: 434, successful: 434)
        == "batch_x_output.jsonl: the batch object b.json counts 435 completed requests, the output file has 434 successful result lines"
    )
    #expect(check("batch_x_errors.jsonl", lines: 15, successful: 0) == nil)
    #expect(
      check("batch_x_errors.jsonl", lines: 16, successful: 0)
        == "batch_x_errors.jsonl: the batch object b.json counts 450 requests of which 435 completed, so at most 15 error lines; the file has 16"
    )
    #expect(check("combined.jsonl", lines: 450, successful: 435) == nil)
    #expect(check("combined.jsonl", lines: 451, successful: 435) != nil)
  }

  @Test func theBatchIdMustBeTheFileNames() throws {
    let batch = try Self.anthropic((7, 3))
    #expect(
      Self.refusal {
        try BatchPairing.checkID(
          path: "msgbatch_01xyz_results.jsonl", batch: batch, batchPath: "msgbatch_01abc.json")
      }
        == "msgbatch_01xyz_results.jsonl: the batch object msgbatch_01abc.json is for batch msgbatch_01abc, not msgbatch_01xyz"
    )
    #expect(
      Self.refusal {
        try BatchPairing.checkID(path: "msgbatch_01abc_results.jsonl", batch: batch, batchPath: "x.json")
      } == nil)
    #expect(
      Self.refusal { try BatchPairing.checkID(path: "results.jsonl", batch: batch, batchPath: "x.json") }
        == nil)
  }
}
