"""In-memory fakes of the ports the use cases depend on, for unit tests that run without PostgreSQL.

One module per port family: `unit_of_work` (the transaction every fake unit of work shares),
`audit` and `outbox` (rows written inside those transactions), `storage` (DocumentStore), `images`
(ImageSanitizer), `idempotency` (answers recorded with a change), and one module per feature with its
repositories and unit of work: `registration`, `admin`, `schedule`, `gallery`.

The fakes keep the behaviour the services rely on (a transaction is all or nothing, unique rules
refuse a second row) and nothing else; what only PostgreSQL can prove (locks, races, SQL) stays in
tests/integration.
"""
