// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "Tally",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "TallyKit", targets: ["TallyKit"]),
    .executable(name: "tally", targets: ["tally"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    // The review page's HTML and SVG: templates that escape every value they insert.
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
  ],
  targets: [
    .target(
      name: "TallyKit",
      dependencies: [
        .product(name: "GRDB", package: "GRDB.swift"),
        // The SQLite C API, for the one statement ingest runs a million times.
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
        .product(name: "Mustache", package: "swift-mustache"),
        // The team ledger on a PostgreSQL server.
        .product(name: "PostgresNIO", package: "postgres-nio"),
      ]),
    .executableTarget(
      name: "tally",
      dependencies: [
        "TallyKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "TallyKitTests",
      dependencies: ["TallyKit", .product(name: "GRDB", package: "GRDB.swift")],
      exclude: ["Fixtures"]
    ),
    .testTarget(
      name: "TallyCLITests",
      dependencies: ["tally"],
      exclude: ["Golden"]
    ),
  ]
)
