import Foundation
import Testing

@testable import TallyKit

@Suite("Statements")
struct StatementsTests {
  /// Hostile tenant names become file names that stay inside the directory and never clash,
  /// not even on a file system that folds case.
  @Test func tenantNamesBecomeSafeUniqueFileNames() {
    let tenants = [
      "", "../../etc/passwd", ".hidden", "<script>alert(1)</script>", "ACME", "Acme", "acme", "a/b\\c",
      "müller-söhne",
      "名前", "x\u{202E}gpj.exe",
    ]
    let stems = StatementSet.fileStems(tenants, numbers: ["acme": "TALLY-2026-10-0007"])
    #expect(
      stems == [
        "0001", "0002-etc_passwd", "0003-hidden", "0004-script_alert_1_script", "0005-ACME", "0006-Acme",
        "TALLY-2026-10-0007-acme", "0008-a_b_c", "0009-muller-sohne", "0010", "0011-x_gpj_exe",
      ])
    #expect(Set(stems.map { $0.lowercased() }).count == tenants.count)
    for stem in stems {
      #expect(!stem.contains("/") && !stem.contains("\\") && !stem.hasPrefix(".") && !stem.contains(".."))
    }
  }

  @Test func markdownCellsCannotAddMarkupLinksOrColumns() {
    #expect(
      StatementSet.markdownEscaped("<script>alert(1)</script> | [x](http://e) *b* _i_ `c` ~~s~~ a&b\nnext")
        == "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\[x\\](http://e) \\*b\\* \\_i\\_ \\`c\\` \\~\\~s\\~\\~ a&amp;b next"
    )
  }
}
