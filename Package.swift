// swift-tools-version:6.0
import PackageDescription

/// Cross-module optimization in release builds: the record's accessors and canonical
/// form are called per field from the readers' module, and must inline there as they did
/// when both were one module.
let optimized: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "connect-audit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "connect-audit", targets: ["connect-audit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // zlib's inflate: CloudTrail delivers its log files gzipped.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // glibc's mallopt (part of libc: no library to link).
        .systemLibrary(name: "CMalloc"),
        // The byte-level fast paths (JSON scanning, escaping, byte search, byte-keyed tables),
        // each beside its plain reference: with Platform, where the pointer code lives.
        .target(name: "ByteKernels", swiftSettings: optimized),
        // System calls and threads in one audited place: parallel work, futures, private
        // files, signals, memory advice, the terminal.
        .target(name: "Platform", dependencies: ["CMalloc"], swiftSettings: optimized),
        // The one time type and calendar, shared by the client and the record.
        .target(name: "AuditTime", swiftSettings: optimized),
        // The one redaction of secrets in text, for the database client, the network and the CLI.
        .target(name: "SecretRedaction"),
        // PostgreSQL's array literal: the one codec, for the client and for DDSQL's CSV cells.
        .target(name: "ArrayLiteral", swiftSettings: optimized),
        .target(
            name: "PostgresClient",
            dependencies: [
                "CLibPQ",
                "AuditTime",
                "ArrayLiteral",
                "SecretRedaction",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The record, its canonical form and hash, scope, the permission catalog.
        .target(
            name: "AuditModel",
            dependencies: ["AuditTime", "ByteKernels", "CLibCrypto"],
            resources: [.embedInCode("Resources/permission-catalog.json")],
            swiftSettings: optimized
        ),
        // Formats, parallel decoding, source recognition, assembly into a snapshot.
        .target(
            name: "SnapshotReading", dependencies: ["AuditTime", "ArrayLiteral", "ByteKernels", "Platform", "AuditModel"],
            swiftSettings: optimized),
        // Pure: diff, drift and policy, event chain, report items and their order, alert matching.
        .target(name: "AuditCore", dependencies: ["AuditTime", "ByteKernels", "AuditModel"], swiftSettings: optimized),
        // The report: its rows, their order and rendering in every format, on every core.
        .target(
            name: "ReportRendering", dependencies: ["AuditTime", "ByteKernels", "Platform", "AuditModel", "AuditCore"],
            swiftSettings: optimized),
        .target(
            name: "AuditStore",
            dependencies: [
                "AuditTime",
                "AuditModel",
                "SnapshotReading",
                "AuditCore",
                "ReportRendering",
                "ByteKernels",
                "Platform",
                "CLibCrypto",
                "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [
                // One line per migration: SwiftPM embeds files, not folders.
                .embedInCode("Migrations/0001_schema.sql"),
                .embedInCode("Migrations/0002_source_fingerprints.sql"),
                .embedInCode("Migrations/0003_close_check_by_row.sql"),
                .embedInCode("Migrations/0004_overlap_guard_for_open_versions.sql"),
                .embedInCode("Migrations/0005_applications_and_granular_access.sql"),
                .embedInCode("Migrations/0006_trail_events.sql"),
                .embedInCode("Migrations/0007_discovered.sql"),
                .embedInCode("Migrations/0008_alert_digests.sql"),
                .embedInCode("Migrations/0009_truncate_and_baselines.sql"),
                .embedInCode("Migrations/0010_roles.sql"),
                .embedInCode("Migrations/0011_bulk_load_overlap_check.sql"),
                .embedInCode("Migrations/0012_hash_collation.sql"),
                .embedInCode("Migrations/0013_event_labels.sql"),
                .embedInCode("Migrations/0014_event_diff_text.sql"),
                .embedInCode("Migrations/0015_changes_by_time.sql"),
                .embedInCode("Migrations/0016_discoveries.sql"),
                .embedInCode("Migrations/0017_attribution_in_time.sql"),
                .embedInCode("Migrations/0018_snapshot_integrity.sql"),
                .embedInCode("Migrations/0019_observed_fields.sql"),
                .embedInCode("Migrations/0020_key_collation.sql"),
                .embedInCode("Migrations/0021_users.sql"),
                .embedInCode("Migrations/0022_no_open_scope_index.sql"),
            ]
        ),
        // Pullers (DDSQL, AWS with SigV4): the network stays out of the model, reading and core.
        .target(
            name: "SnapshotSources",
            dependencies: ["AuditTime", "AuditModel", "Platform", "CLibCrypto", "SecretRedaction"]
        ),
        .target(
            name: "AuditCLI",
            dependencies: [
                "SnapshotSources",
                "CZlib",
                "Platform",
                "ReportRendering",
                "AuditTime",
                "AuditModel",
                "SnapshotReading",
                "AuditCore",
                "AuditStore",
                "PostgresClient",
                "SecretRedaction",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "connect-audit",
            dependencies: ["AuditCLI"]
        ),
        // libFuzzer targets for the readers (scripts/fuzz builds them with -sanitize=fuzzer).
        .executableTarget(name: "connect-audit-fuzz", dependencies: ["AuditModel", "SnapshotReading"]),
        // Benchmarks (figures printed by scripts/bench-*), not part of the product.
        .executableTarget(
            name: "connect-audit-bench",
            dependencies: [
                "AuditTime",
                "AuditModel",
                "SnapshotReading",
                "TestSupport",
                "AuditCLI",
                "AuditCore",
                "ReportRendering",
                "Platform",
                "AuditStore",
                "PostgresClient",
                "SecretRedaction",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers for tests and benchmarks: a throwaway database per test, the built binary,
        // snapshot rendering in every format, a seeded generator, an in-memory diff.
        .target(
            name: "TestSupport",
            dependencies: ["AuditTime", "ArrayLiteral", "AuditModel", "SnapshotReading", "AuditCore", "ReportRendering", "PostgresClient"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "PostgresClientTests", dependencies: ["AuditTime", "ArrayLiteral", "PostgresClient", "SecretRedaction", "TestSupport"]),
        .testTarget(name: "AuditModelTests", dependencies: ["ByteKernels", "AuditModel"]),
        .testTarget(
            name: "SnapshotSourcesTests",
            dependencies: ["AuditTime", "AuditModel", "SnapshotReading", "SnapshotSources", "Platform", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SnapshotReadingTests",
            dependencies: [
                "AuditTime", "ArrayLiteral", "ByteKernels", "Platform", "AuditModel", "SnapshotReading", "AuditCore", "ReportRendering", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "AuditCoreTests",
            dependencies: [
                "AuditTime", "ByteKernels", "AuditModel", "SnapshotReading", "AuditCore", "ReportRendering", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "AuditStoreTests",
            dependencies: ["AuditTime", "AuditModel", "SnapshotReading", "AuditCore", "ReportRendering", "AuditStore", "PostgresClient", "TestSupport"]
        ),
        .testTarget(
            name: "AuditCLITests",
            dependencies: [
                "AuditTime", "AuditModel", "SnapshotReading", "AuditCore", "ReportRendering", "AuditCLI", "AuditStore", "PostgresClient", "Platform", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
