//! The schema, as a list of single statements applied in order and recorded in
//! `schema_migrations`. One DDL statement per migration and no SERIAL, so that the same list runs
//! on SQLite, PostgreSQL and the distributed PostgreSQLs (Citus, YugabyteDB, CockroachDB).
//! Integers are BIGINT everywhere (times are milliseconds since the Unix epoch, flags 0/1) so
//! that both backends hand back the same Rust types through sqlx's Any driver.
//! Append new statements at the end; never edit one that has shipped.

pub const MIGRATIONS: &[(&str, &str)] = &[
    ("units", "CREATE TABLE units (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        parent_id TEXT REFERENCES units(id),
        sort BIGINT NOT NULL DEFAULT 0,
        active BIGINT NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL)"),
    ("users", "CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        unit_id TEXT NOT NULL REFERENCES units(id),
        roles TEXT NOT NULL,
        phone TEXT,
        active BIGINT NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL)"),
    ("leader_units", "CREATE TABLE leader_units (
        user_id TEXT NOT NULL REFERENCES users(id),
        unit_id TEXT NOT NULL REFERENCES units(id),
        PRIMARY KEY (user_id, unit_id))"),
    ("sessions", "CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT,
        ip TEXT NOT NULL,
        user_agent TEXT)"),
    ("sessions_user", "CREATE INDEX sessions_user ON sessions (user_id)"),
    ("categories", "CREATE TABLE categories (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        parent_id TEXT REFERENCES categories(id),
        default_unit_id TEXT REFERENCES units(id),
        active BIGINT NOT NULL DEFAULT 1)"),
    ("calendar_days", "CREATE TABLE calendar_days (
        day TEXT PRIMARY KEY,
        year BIGINT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL)"),
    ("calendar_years", "CREATE TABLE calendar_years (
        year BIGINT PRIMARY KEY,
        source TEXT NOT NULL,
        loaded_at BIGINT NOT NULL)"),
    ("settings", "CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL)"),
    ("time_limits", "CREATE TABLE time_limits (
        order_type TEXT NOT NULL,
        urgency TEXT NOT NULL,
        sign_limit TEXT NOT NULL,
        return_limit TEXT NOT NULL,
        answer_limit TEXT NOT NULL,
        close_limit TEXT NOT NULL,
        max_extension_days BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (order_type, urgency))"),
    ("counters", "CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL)"),
    ("work_items", "CREATE TABLE work_items (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        number TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL,
        version BIGINT NOT NULL,
        title TEXT NOT NULL,
        lead_unit_id TEXT REFERENCES units(id),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        closed_at BIGINT)"),
    ("work_items_state", "CREATE INDEX work_items_state ON work_items (kind, state, created_at)"),
    ("work_items_lead", "CREATE INDEX work_items_lead ON work_items (lead_unit_id, state)"),
    ("work_orders", "CREATE TABLE work_orders (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        channel TEXT NOT NULL,
        order_type TEXT NOT NULL,
        urgency TEXT NOT NULL,
        category_id TEXT NOT NULL REFERENCES categories(id),
        content TEXT NOT NULL,
        address TEXT,
        lat DOUBLE PRECISION,
        lng DOUBLE PRECISION,
        citizen_name TEXT,
        citizen_phone TEXT,
        confidential BIGINT NOT NULL,
        query_code_hash TEXT NOT NULL,
        answer TEXT,
        satisfaction TEXT,
        reopen_count BIGINT NOT NULL DEFAULT 0,
        extension_days BIGINT NOT NULL DEFAULT 0,
        pending_extension TEXT,
        master_id TEXT REFERENCES work_items(id),
        knowledge_id TEXT)"),
    ("work_orders_phone", "CREATE INDEX work_orders_phone ON work_orders (citizen_phone)"),
    ("assignments", "CREATE TABLE assignments (
        work_id TEXT NOT NULL REFERENCES work_items(id),
        idx BIGINT NOT NULL,
        unit_id TEXT NOT NULL REFERENCES units(id),
        role TEXT NOT NULL,
        active BIGINT NOT NULL,
        assigned_at BIGINT NOT NULL,
        signed_at BIGINT,
        PRIMARY KEY (work_id, idx))"),
    ("assignments_unit", "CREATE INDEX assignments_unit ON assignments (unit_id, active, work_id)"),
    ("deadlines", "CREATE TABLE deadlines (
        work_id TEXT NOT NULL REFERENCES work_items(id),
        kind TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        provisional BIGINT NOT NULL,
        met_at BIGINT,
        active BIGINT NOT NULL,
        warned BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (work_id, kind))"),
    ("deadlines_due", "CREATE INDEX deadlines_due ON deadlines (active, due_at)"),
    ("event_heads", "CREATE TABLE event_heads (
        entity_id TEXT PRIMARY KEY,
        seq BIGINT NOT NULL,
        last_hash TEXT NOT NULL)"),
    ("events", "CREATE TABLE events (
        entity_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        entity_kind TEXT NOT NULL,
        at BIGINT NOT NULL,
        action TEXT NOT NULL,
        actor_id TEXT,
        actor_name TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        actor_unit_id TEXT,
        ip TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (entity_id, seq))"),
    ("events_at", "CREATE INDEX events_at ON events (at)"),
    ("events_actor", "CREATE INDEX events_actor ON events (actor_id, at)"),
    ("deadlines_started", "ALTER TABLE deadlines ADD COLUMN started_at BIGINT"),
    ("deadlines_warn_at", "ALTER TABLE deadlines ADD COLUMN warn_at BIGINT"),
    ("deadlines_working", "ALTER TABLE deadlines ADD COLUMN working BIGINT NOT NULL DEFAULT 1"),
    ("deadlines_warn", "CREATE INDEX deadlines_warn ON deadlines (active, warned, warn_at)"),
    ("assignments_outcome", "ALTER TABLE assignments ADD COLUMN outcome TEXT"),
    ("work_orders_escalated", "ALTER TABLE work_orders ADD COLUMN escalated BIGINT NOT NULL DEFAULT 0"),
    ("work_orders_repeat_of", "ALTER TABLE work_orders ADD COLUMN repeat_of TEXT"),
    ("time_limits_warn", "ALTER TABLE time_limits ADD COLUMN warn_percent BIGINT NOT NULL DEFAULT 80"),
    ("knowledge", "CREATE TABLE knowledge (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        content TEXT NOT NULL,
        category_id TEXT REFERENCES categories(id),
        keywords TEXT NOT NULL,
        public BIGINT NOT NULL,
        active BIGINT NOT NULL,
        created_by TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        used BIGINT NOT NULL DEFAULT 0)"),
    ("order_facts", "CREATE TABLE order_facts (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        unit_id TEXT,
        created_at BIGINT NOT NULL,
        channel TEXT NOT NULL,
        order_type TEXT NOT NULL,
        category_id TEXT NOT NULL,
        state TEXT NOT NULL,
        dispatched_at BIGINT,
        sign_due BIGINT,
        signed_at BIGINT,
        answer_due BIGINT,
        answered_at BIGINT,
        close_due BIGINT,
        closed_at BIGINT,
        satisfaction TEXT,
        reopen_count BIGINT NOT NULL,
        is_repeat BIGINT NOT NULL,
        escalated BIGINT NOT NULL,
        handling_minutes BIGINT)"),
    ("order_facts_unit", "CREATE INDEX order_facts_unit ON order_facts (unit_id, created_at)"),
    ("order_facts_created", "CREATE INDEX order_facts_created ON order_facts (created_at)"),
    ("assignments_unit_time", "CREATE INDEX assignments_unit_time ON assignments (unit_id, assigned_at)"),
    ("api_keys", "CREATE TABLE api_keys (
        key_hash TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        active BIGINT NOT NULL)"),
    ("work_orders_repeat_lookup", "CREATE INDEX work_orders_phone_cat ON work_orders (citizen_phone, category_id)"),
    ("work_orders_pending", "CREATE INDEX work_orders_pending ON work_orders (pending_extension)"),
    // Indexes led by `active` tempted SQLite's planner away from the primary key for an order's
    // own deadlines (a scan of every active deadline per order view); the scheduler's indexes
    // now hold only the open deadlines.
    ("drop_deadlines_due", "DROP INDEX deadlines_due"),
    ("drop_deadlines_warn", "DROP INDEX deadlines_warn"),
    ("deadlines_open_warn", "CREATE INDEX deadlines_open_warn ON deadlines (warn_at) WHERE active = 1 AND met_at IS NULL AND warned = 0"),
    ("deadlines_open_due", "CREATE INDEX deadlines_open_due ON deadlines (due_at) WHERE active = 1 AND met_at IS NULL AND warned < 2"),
    // The co-unit queue and the extension queue read these few rows, not a unit's whole history.
    ("drop_assignments_unit", "DROP INDEX assignments_unit"),
    ("assignments_co", "CREATE INDEX assignments_co ON assignments (unit_id, work_id) WHERE role = 'co' AND active = 1"),
    ("drop_work_orders_pending", "DROP INDEX work_orders_pending"),
    ("work_orders_pending_open", "CREATE INDEX work_orders_pending_open ON work_orders (id) WHERE pending_extension IS NOT NULL"),
    // The order list: newest first, and a unit's own orders found from its assignments.
    ("work_items_created", "CREATE INDEX work_items_created ON work_items (kind, created_at)"),
    ("assignments_unit_work", "CREATE INDEX assignments_unit_work ON assignments (unit_id, work_id)"),
    // The due moment of the deadline an order now runs against, on the item itself: a queue is
    // read in deadline order straight from an index, however many orders a unit has.
    ("work_items_due", "ALTER TABLE work_items ADD COLUMN due_at BIGINT"),
    ("work_items_due_backfill", "UPDATE work_items SET due_at = (SELECT d.due_at FROM deadlines d WHERE d.work_id = work_items.id
        AND d.active = 1 AND d.kind = CASE work_items.state WHEN 'dispatched' THEN 'sign' WHEN 'handling' THEN 'answer'
        WHEN 'return_requested' THEN 'answer' ELSE 'close' END)
        WHERE state IN ('dispatched', 'handling', 'return_requested', 'answered', 'callback')"),
    ("work_items_lead_due", "CREATE INDEX work_items_lead_due ON work_items (lead_unit_id, state, due_at)"),
    ("work_items_state_due", "CREATE INDEX work_items_state_due ON work_items (kind, state, due_at)"),
    ("drop_work_items_lead", "DROP INDEX work_items_lead"),
    // BYTEA is PostgreSQL's binary type; SQLite stores the bytes as a blob under any type name.
    ("photos", "CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        work_id TEXT NOT NULL REFERENCES work_items(id),
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size BIGINT NOT NULL,
        data BYTEA NOT NULL,
        created_at BIGINT NOT NULL)"),
    ("photos_work", "CREATE INDEX photos_work ON photos (work_id)"),
    ("city_words", "CREATE TABLE city_words (word TEXT PRIMARY KEY, created_at BIGINT NOT NULL)"),
    ("dispatch_rules", "CREATE TABLE dispatch_rules (
        id TEXT PRIMARY KEY,
        keyword TEXT NOT NULL,
        unit_id TEXT NOT NULL REFERENCES units(id),
        category_id TEXT REFERENCES categories(id),
        created_at BIGINT NOT NULL)"),
    ("text_models", "CREATE TABLE text_models (
        name TEXT PRIMARY KEY,
        trained_at BIGINT NOT NULL,
        trained_on BIGINT NOT NULL,
        data TEXT NOT NULL)"),
    // Full-text search: the words of each text, searched by FTS5 on SQLite and a tsvector on
    // PostgreSQL. Entries named "sqlite:" or "postgres:" apply to that database only.
    ("sqlite:search_docs", "CREATE TABLE search_docs (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, kind TEXT NOT NULL, terms TEXT NOT NULL)"),
    ("postgres:search_docs", "CREATE TABLE search_docs (id BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL, kind TEXT NOT NULL, terms TEXT NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED)"),
    ("search_docs_doc", "CREATE INDEX search_docs_doc ON search_docs (doc_id, kind)"),
    ("postgres:search_docs_tsv", "CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv)"),
    ("sqlite:search_fts", "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_docs', content_rowid='id', tokenize='unicode61')"),
    ("sqlite:search_docs_ai", "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts (rowid, terms) VALUES (new.id, new.terms); END"),
    ("sqlite:search_docs_ad", "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END"),
    // Month statistics read one unit's facts for a period: on SQLite an index holding every
    // column they read answers them without visiting the table (13 ms instead of 19 for the
    // largest unit's month at a million orders); it replaces the narrower index it extends.
    ("sqlite:order_facts_cover", "CREATE INDEX order_facts_cover ON order_facts (unit_id, created_at, channel, order_type,
        category_id, dispatched_at, signed_at, sign_due, answered_at, answer_due, closed_at, close_due, satisfaction, is_repeat,
        handling_minutes, reopen_count)"),
    ("sqlite:drop_order_facts_unit", "DROP INDEX order_facts_unit"),
    ("sqlite:assignments_unit_time_cover", "CREATE INDEX assignments_unit_time_cover ON assignments (unit_id, assigned_at, role, outcome)"),
    ("sqlite:drop_assignments_unit_time", "DROP INDEX assignments_unit_time"),
    // Attempts counted per key in a window (failed logins, public submissions): see throttle.rs.
    ("throttle", "CREATE TABLE throttle (key TEXT PRIMARY KEY, count BIGINT NOT NULL, window_start BIGINT NOT NULL)"),
    // The reply board shows what the centre approved, of orders whose citizen agreed.
    ("work_orders_publish_consent", "ALTER TABLE work_orders ADD COLUMN publish_consent BIGINT NOT NULL DEFAULT 0"),
    ("publications", "CREATE TABLE publications (
        work_id TEXT PRIMARY KEY REFERENCES work_items(id),
        subject TEXT NOT NULL,
        content TEXT NOT NULL,
        answer TEXT NOT NULL,
        published_at BIGINT NOT NULL,
        published_by TEXT NOT NULL,
        withdrawn_at BIGINT)"),
    // A submission's one-time key (the public form's, or an API client's Idempotency-Key): the
    // same key never files twice.
    ("idempotency", "CREATE TABLE idempotency (key TEXT PRIMARY KEY, number TEXT, created_at BIGINT NOT NULL)"),
    // Assignments say which kind of work they belong to, so that the hotline's return rate and
    // ranking count hotline work only when other kinds hand work to the same units.
    ("assignments_kind", "ALTER TABLE assignments ADD COLUMN kind TEXT NOT NULL DEFAULT 'work_order'"),
    ("sqlite:assignments_kind_time_cover", "CREATE INDEX assignments_kind_time_cover ON assignments (unit_id, kind, assigned_at, role, outcome)"),
    ("sqlite:drop_assignments_unit_time_cover", "DROP INDEX assignments_unit_time_cover"),
    // The kernel (ARCHITECTURE.md). Due dates are keyed by (item, name, unit, sequence), so that
    // each co-unit's periodic report has its own; `running` says the item's kind has it running
    // in the item's state (written by the kernel from the kind's table, never restated in SQL).
    ("deadlines_v2", "CREATE TABLE deadlines_v2 (
        work_id TEXT NOT NULL REFERENCES work_items(id),
        kind TEXT NOT NULL,
        unit_id TEXT NOT NULL DEFAULT '',
        seq BIGINT NOT NULL DEFAULT 0,
        due_at BIGINT NOT NULL,
        provisional BIGINT NOT NULL,
        met_at BIGINT,
        active BIGINT NOT NULL,
        warned BIGINT NOT NULL DEFAULT 0,
        started_at BIGINT,
        warn_at BIGINT,
        working BIGINT NOT NULL DEFAULT 1,
        running BIGINT,
        PRIMARY KEY (work_id, kind, unit_id, seq))"),
    ("deadlines_v2_copy", "INSERT INTO deadlines_v2 (work_id, kind, unit_id, seq, due_at, provisional, met_at, active, warned,
        started_at, warn_at, working, running)
        SELECT work_id, kind, '', 0, due_at, provisional, met_at, active, warned, started_at, warn_at, working, NULL FROM deadlines"),
    ("deadlines_v1_drop", "DROP TABLE deadlines"),
    ("deadlines_v2_rename", "ALTER TABLE deadlines_v2 RENAME TO deadlines"),
    ("deadlines_running_warn", "CREATE INDEX deadlines_running_warn ON deadlines (warn_at) WHERE running = 1 AND met_at IS NULL AND warned = 0"),
    ("deadlines_running_due", "CREATE INDEX deadlines_running_due ON deadlines (due_at) WHERE running = 1 AND met_at IS NULL AND warned < 2"),
    ("deadlines_unset", "CREATE INDEX deadlines_unset ON deadlines (work_id) WHERE running IS NULL"),
    // The warning point of the due date an item is paced by, beside its due moment, and whether
    // an extension request waits: what the dashboard and the inbox read of any kind.
    ("work_items_warn_at", "ALTER TABLE work_items ADD COLUMN warn_at BIGINT"),
    ("work_items_extension_pending", "ALTER TABLE work_items ADD COLUMN extension_pending BIGINT NOT NULL DEFAULT 0"),
    ("work_items_extension_backfill", "UPDATE work_items SET extension_pending = 1
        WHERE id IN (SELECT id FROM work_orders WHERE pending_extension IS NOT NULL)"),
    ("work_items_extension_open", "CREATE INDEX work_items_extension_open ON work_items (kind, state) WHERE extension_pending = 1"),
    ("links", "CREATE TABLE links (
        from_id TEXT NOT NULL REFERENCES work_items(id),
        to_id TEXT NOT NULL REFERENCES work_items(id),
        kind TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT,
        PRIMARY KEY (from_id, to_id, kind))"),
    ("links_to", "CREATE INDEX links_to ON links (to_id)"),
    ("cards", "CREATE TABLE cards (
        id TEXT PRIMARY KEY,
        work_id TEXT NOT NULL REFERENCES work_items(id),
        unit_id TEXT NOT NULL REFERENCES units(id),
        colour TEXT NOT NULL,
        reason TEXT NOT NULL,
        issued_at BIGINT NOT NULL,
        issued_by TEXT NOT NULL,
        revoked_at BIGINT,
        revoked_by TEXT,
        revoke_reason TEXT)"),
    ("cards_unit", "CREATE INDEX cards_unit ON cards (unit_id, issued_at)"),
    ("cards_work", "CREATE INDEX cards_work ON cards (work_id)"),
    // The leaders' figures of every kind read the open items only.
    ("work_items_open", "CREATE INDEX work_items_open ON work_items (kind, lead_unit_id, due_at, warn_at) WHERE closed_at IS NULL"),
    // 督查督办: a supervision item's own columns beside its work item.
    ("supervision_items", "CREATE TABLE supervision_items (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        source TEXT NOT NULL,
        source_ref TEXT,
        requirements TEXT NOT NULL,
        leader_id TEXT REFERENCES users(id),
        cycle TEXT NOT NULL,
        extension TEXT,
        objection TEXT,
        evidence TEXT,
        reopen_count BIGINT NOT NULL DEFAULT 0)"),
    // The escalation ladder: each step taken once per item and unit.
    ("supervision_escalations", "CREATE TABLE supervision_escalations (
        work_id TEXT NOT NULL REFERENCES work_items(id),
        unit_id TEXT NOT NULL,
        step TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (work_id, unit_id, step))"),
    // Money on an item: its budget, each arrival (资金到位) and each payment out (资金下拨), in fen.
    ("supervision_funds", "CREATE TABLE supervision_funds (
        id TEXT PRIMARY KEY,
        work_id TEXT NOT NULL REFERENCES work_items(id),
        entry TEXT NOT NULL,
        on_date TEXT NOT NULL,
        amount_fen BIGINT NOT NULL,
        party TEXT NOT NULL,
        note TEXT,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        warned_at BIGINT)"),
    // 领导批示: the leader, the whole text, the matter it is written on.
    ("instruction_items", "CREATE TABLE instruction_items (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        leader_id TEXT NOT NULL REFERENCES users(id),
        text TEXT NOT NULL,
        target_id TEXT REFERENCES work_items(id))"),
    ("instruction_items_leader", "CREATE INDEX instruction_items_leader ON instruction_items (leader_id)"),
    // Files attached to an item's step (a report's or a closure's evidence), written with it.
    ("attachments", "CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        work_id TEXT NOT NULL REFERENCES work_items(id),
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size BIGINT NOT NULL,
        data BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT)"),
    ("attachments_work", "CREATE INDEX attachments_work ON attachments (work_id)"),
    // A unit's items of one kind (its supervision ledger beside a hundred thousand orders), and
    // its co-unit queues of each kind.
    ("assignments_unit_kind", "CREATE INDEX assignments_unit_kind ON assignments (unit_id, kind, role, active, work_id)"),
    ("supervision_funds_work", "CREATE INDEX supervision_funds_work ON supervision_funds (work_id, on_date)"),
    // People named on an item in a part of their own (a topic's leader in charge, a meeting's
    // chair and members), and whether they have done it (answered the notice …).
    ("item_people", "CREATE TABLE item_people (
        work_id TEXT NOT NULL REFERENCES work_items(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        party TEXT NOT NULL,
        kind TEXT NOT NULL,
        outcome TEXT,
        at BIGINT,
        PRIMARY KEY (work_id, user_id, party))"),
    ("item_people_user", "CREATE INDEX item_people_user ON item_people (user_id, party, kind)"),
    // 议题: the matter, the meeting series it is for, the units to consult (ids, before it is
    // proposed), the plan entry it answers, the meeting it is on.
    ("topics", "CREATE TABLE topics (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        meeting_type TEXT NOT NULL,
        summary TEXT NOT NULL,
        consulted TEXT NOT NULL,
        plan_id TEXT,
        meeting_id TEXT REFERENCES work_items(id))"),
    // 年度/季度议题计划: what each unit is expected to bring, and when.
    ("topic_plans", "CREATE TABLE topic_plans (
        id TEXT PRIMARY KEY,
        year BIGINT NOT NULL,
        quarter BIGINT,
        unit_id TEXT NOT NULL REFERENCES units(id),
        title TEXT NOT NULL,
        meeting_type TEXT NOT NULL,
        expected_month BIGINT NOT NULL,
        created_at BIGINT NOT NULL)"),
    ("topic_plans_year", "CREATE INDEX topic_plans_year ON topic_plans (year, unit_id)"),
    // 会议: when and where, and its minutes once drafted and issued.
    ("meetings", "CREATE TABLE meetings (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        meeting_type TEXT NOT NULL,
        starts_at BIGINT NOT NULL,
        place TEXT NOT NULL,
        minutes_summary TEXT,
        minutes_number TEXT UNIQUE,
        minutes_issued_at BIGINT)"),
    ("meetings_starts", "CREATE INDEX meetings_starts ON meetings (starts_at)"),
    // The agenda in order: each topic, its reporting unit, its time slot, the units sitting in,
    // and what the meeting made of it.
    ("meeting_agenda", "CREATE TABLE meeting_agenda (
        meeting_id TEXT NOT NULL REFERENCES work_items(id),
        seq BIGINT NOT NULL,
        topic_id TEXT NOT NULL REFERENCES work_items(id),
        unit_id TEXT NOT NULL REFERENCES units(id),
        slot TEXT NOT NULL,
        observers TEXT NOT NULL,
        outcome TEXT,
        outcome_note TEXT,
        PRIMARY KEY (meeting_id, seq))"),
    // Who attends: the leaders by name, the units sitting in; their answer and their arrival.
    ("meeting_attendees", "CREATE TABLE meeting_attendees (
        meeting_id TEXT NOT NULL REFERENCES work_items(id),
        attendee TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        reply TEXT,
        substitute TEXT,
        note TEXT,
        replied_at BIGINT,
        signed_in_at BIGINT,
        PRIMARY KEY (meeting_id, attendee))"),
    // 议定事项: each decision of the minutes, and the supervision item that carries it out.
    ("meeting_decisions", "CREATE TABLE meeting_decisions (
        id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES work_items(id),
        agenda_seq BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        text TEXT NOT NULL,
        lead_unit_id TEXT NOT NULL REFERENCES units(id),
        co_unit_ids TEXT NOT NULL,
        deadline BIGINT NOT NULL,
        supervision_id TEXT REFERENCES work_items(id))"),
    ("meeting_decisions_meeting", "CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id, agenda_seq, seq)"),
    // 公文: an incoming (收文) or outgoing (发文) document's own columns. The 发文字号 is unique:
    // a number is never given twice.
    ("documents", "CREATE TABLE documents (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        direction TEXT NOT NULL,
        doc_type TEXT NOT NULL,
        urgency TEXT NOT NULL,
        secrecy TEXT NOT NULL,
        organ TEXT NOT NULL,
        source_number TEXT,
        doc_date BIGINT,
        pages BIGINT,
        code TEXT,
        doc_number TEXT UNIQUE,
        main_to TEXT NOT NULL,
        cc TEXT NOT NULL,
        body TEXT NOT NULL,
        proposal TEXT,
        instruction TEXT,
        instruction_id TEXT REFERENCES work_items(id),
        countersigners TEXT NOT NULL,
        signed_by TEXT REFERENCES users(id),
        signed_at BIGINT,
        copies BIGINT,
        numbered_at BIGINT,
        issued_at BIGINT,
        attachment_titles TEXT NOT NULL)"),
    ("documents_direction", "CREATE INDEX documents_direction ON documents (direction, doc_date)"),
    // Every saved version of a draft, kept: none is overwritten.
    ("document_versions", "CREATE TABLE document_versions (
        work_id TEXT NOT NULL REFERENCES work_items(id),
        version BIGINT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        note TEXT NOT NULL,
        saved_by TEXT,
        saved_by_name TEXT NOT NULL,
        saved_at BIGINT NOT NULL,
        PRIMARY KEY (work_id, version))"),
    // 传阅: whom a document was sent to read, when, and when they finished (阅毕).
    ("document_readers", "CREATE TABLE document_readers (
        work_id TEXT NOT NULL REFERENCES work_items(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        sent_at BIGINT NOT NULL,
        read_at BIGINT,
        comment TEXT,
        PRIMARY KEY (work_id, user_id))"),
    ("document_readers_user", "CREATE INDEX document_readers_user ON document_readers (user_id, read_at)"),
    // 政务信息: a unit's submission — the text as submitted and as the section edited it, who
    // wrote it and who signed it off, an incident's times, the 约稿 it answers, the province.
    ("info_items", "CREATE TABLE info_items (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        unit_id TEXT NOT NULL REFERENCES units(id),
        category TEXT NOT NULL,
        body TEXT NOT NULL,
        edited_body TEXT,
        writer TEXT NOT NULL,
        writer_phone TEXT NOT NULL,
        signer TEXT,
        incident_at BIGINT,
        first_reported_at BIGINT,
        request_id TEXT REFERENCES work_items(id),
        answer TEXT,
        forwarded_at BIGINT,
        province_level TEXT,
        province_at BIGINT)"),
    ("info_items_unit", "CREATE INDEX info_items_unit ON info_items (unit_id)"),
    // An issue of a bulletin: its 期号 taken when it is issued, unique per bulletin and year.
    ("bulletins", "CREATE TABLE bulletins (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        series TEXT NOT NULL,
        year BIGINT NOT NULL,
        issue_no BIGINT,
        editor_note TEXT NOT NULL,
        signed_by TEXT REFERENCES users(id),
        issued_at BIGINT,
        UNIQUE (series, year, issue_no))"),
    // The items of an issue, in order, with the text as printed there.
    ("bulletin_items", "CREATE TABLE bulletin_items (
        bulletin_id TEXT NOT NULL REFERENCES work_items(id),
        info_id TEXT NOT NULL REFERENCES work_items(id),
        position BIGINT NOT NULL,
        headline TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (bulletin_id, info_id))"),
    ("bulletin_items_info", "CREATE INDEX bulletin_items_info ON bulletin_items (info_id)"),
    // 约稿: the topic and what is asked; the units and their dates are the kernel's.
    ("info_requests", "CREATE TABLE info_requests (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        body TEXT NOT NULL)"),
    // 党建: a party branch, its unit, its secretary and its members (one a line).
    ("party_branches", "CREATE TABLE party_branches (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        unit_id TEXT NOT NULL REFERENCES units(id),
        secretary_id TEXT NOT NULL REFERENCES users(id),
        members TEXT NOT NULL,
        created_at BIGINT NOT NULL)"),
    // 组织生活会: the plan, the preparation and the meeting's records (lists as JSON).
    ("party_meetings", "CREATE TABLE party_meetings (
        id TEXT PRIMARY KEY,
        branch_id TEXT NOT NULL REFERENCES party_branches(id),
        theme TEXT NOT NULL,
        meeting_at BIGINT NOT NULL,
        notice_at BIGINT NOT NULL,
        place TEXT NOT NULL,
        stage TEXT NOT NULL,
        preparation TEXT NOT NULL,
        problems TEXT NOT NULL,
        attendance TEXT NOT NULL,
        records TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL)"),
    ("party_meetings_branch", "CREATE INDEX party_meetings_branch ON party_meetings (branch_id, meeting_at)"),
    // A rectification item's own columns (整改清单).
    ("rectification_items", "CREATE TABLE rectification_items (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        branch_id TEXT NOT NULL REFERENCES party_branches(id),
        meeting_id TEXT REFERENCES party_meetings(id),
        scope TEXT NOT NULL,
        member TEXT NOT NULL,
        problem TEXT NOT NULL,
        measure TEXT NOT NULL,
        owner TEXT NOT NULL)"),
    ("rectification_items_meeting", "CREATE INDEX rectification_items_meeting ON rectification_items (meeting_id)"),
    // 学习教育台账: a session, its hours in half hours, who attended (JSON).
    ("party_study", "CREATE TABLE party_study (
        id TEXT PRIMARY KEY,
        branch_id TEXT NOT NULL REFERENCES party_branches(id),
        held_at BIGINT NOT NULL,
        form TEXT NOT NULL,
        topic TEXT NOT NULL,
        half_hours BIGINT NOT NULL,
        attendees TEXT NOT NULL,
        notes TEXT NOT NULL,
        created_at BIGINT NOT NULL)"),
    ("party_study_branch", "CREATE INDEX party_study_branch ON party_study (branch_id, held_at)"),
    // 我为群众办实事: a project's class, what it does, its progress.
    ("projects", "CREATE TABLE projects (
        id TEXT PRIMARY KEY REFERENCES work_items(id),
        class TEXT NOT NULL,
        summary TEXT NOT NULL,
        progress BIGINT NOT NULL,
        progress_text TEXT NOT NULL)"),
    // Citizens' ratings of finished projects (评单).
    ("project_ratings", "CREATE TABLE project_ratings (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES work_items(id),
        stars BIGINT NOT NULL,
        comment TEXT NOT NULL,
        ip TEXT NOT NULL,
        at BIGINT NOT NULL)"),
    ("project_ratings_project", "CREATE INDEX project_ratings_project ON project_ratings (project_id, ip)"),
    // A unit whose answers to citizens its head approves before they leave it (单位审核).
    ("units_answer_review", "ALTER TABLE units ADD COLUMN answer_review BIGINT NOT NULL DEFAULT 0"),
    // A caller's latest order in a category is one index step away, however often they call.
    ("work_orders_created_at", "ALTER TABLE work_orders ADD COLUMN created_at BIGINT"),
    ("work_orders_created_at_fill", "UPDATE work_orders SET created_at = (SELECT w.created_at FROM work_items w WHERE w.id = work_orders.id)"),
    ("work_orders_caller", "CREATE INDEX work_orders_caller ON work_orders (citizen_phone, category_id, created_at)"),
    ("work_orders_repeat_lookup_drop", "DROP INDEX work_orders_phone_cat"),
    // Daily roll-ups of the statistics (see hotline/rollup.rs); filled at start.
    ("order_days", "CREATE TABLE order_days (
        unit_id TEXT NOT NULL,
        day BIGINT NOT NULL,
        category_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        order_type TEXT NOT NULL,
        volume BIGINT NOT NULL,
        dispatched BIGINT NOT NULL,
        signed BIGINT NOT NULL,
        signed_on_time BIGINT NOT NULL,
        dispatched_signed BIGINT NOT NULL,
        answered BIGINT NOT NULL,
        answered_on_time BIGINT NOT NULL,
        closed BIGINT NOT NULL,
        closed_on_time BIGINT NOT NULL,
        closed_first_time BIGINT NOT NULL,
        rated BIGINT NOT NULL,
        satisfied BIGINT NOT NULL,
        basic BIGINT NOT NULL,
        unsatisfied BIGINT NOT NULL,
        repeats BIGINT NOT NULL,
        handling_minutes BIGINT NOT NULL,
        handled BIGINT NOT NULL,
        PRIMARY KEY (unit_id, day, category_id, channel, order_type))"),
    ("order_days_day", "CREATE INDEX order_days_day ON order_days (day)"),
    // The orders waiting to be signed, by the moment their signing limit passes.
    ("order_facts_unsigned", "CREATE INDEX order_facts_unsigned ON order_facts (signed_at, sign_due)"),
    // The return rate's daily roll-up (see kernel/assignment_days.rs).
    ("assignment_days", "CREATE TABLE assignment_days (
        kind TEXT NOT NULL,
        unit_id TEXT NOT NULL,
        day BIGINT NOT NULL,
        assignments BIGINT NOT NULL,
        returned BIGINT NOT NULL,
        PRIMARY KEY (kind, unit_id, day))"),
    // What servers keep in memory, by version (see changes.rs).
    ("changes", "CREATE TABLE changes (name TEXT PRIMARY KEY, version BIGINT NOT NULL)"),
    // How far each resumable import (named by its file's hash) has come: records consumed.
    ("import_progress", "CREATE TABLE import_progress (
        source TEXT PRIMARY KEY,
        line BIGINT NOT NULL,
        imported BIGINT NOT NULL,
        skipped BIGINT NOT NULL,
        started_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        finished_at BIGINT)"),
    // Equal phone lookups are served by work_orders_caller (phone, category, time), of which
    // this is the first column: one index fewer to write with every order.
    ("work_orders_phone_drop", "DROP INDEX work_orders_phone"),
    // The same counts per unit and day only (see hotline/rollup.rs), filled from the finer one.
    ("unit_days", "CREATE TABLE unit_days (
        unit_id TEXT NOT NULL,
        day BIGINT NOT NULL,
        volume BIGINT NOT NULL,
        dispatched BIGINT NOT NULL,
        signed BIGINT NOT NULL,
        signed_on_time BIGINT NOT NULL,
        dispatched_signed BIGINT NOT NULL,
        answered BIGINT NOT NULL,
        answered_on_time BIGINT NOT NULL,
        closed BIGINT NOT NULL,
        closed_on_time BIGINT NOT NULL,
        closed_first_time BIGINT NOT NULL,
        rated BIGINT NOT NULL,
        satisfied BIGINT NOT NULL,
        basic BIGINT NOT NULL,
        unsatisfied BIGINT NOT NULL,
        repeats BIGINT NOT NULL,
        handling_minutes BIGINT NOT NULL,
        handled BIGINT NOT NULL,
        PRIMARY KEY (unit_id, day))"),
    ("unit_days_day", "CREATE INDEX unit_days_day ON unit_days (day)"),
    ("unit_days_fill", "INSERT INTO unit_days (unit_id, day, volume, dispatched, signed, signed_on_time, dispatched_signed,
            answered, answered_on_time, closed, closed_on_time, closed_first_time, rated, satisfied, basic, unsatisfied,
            repeats, handling_minutes, handled)
        SELECT unit_id, day,
            CAST(SUM(volume) AS BIGINT), CAST(SUM(dispatched) AS BIGINT), CAST(SUM(signed) AS BIGINT), CAST(SUM(signed_on_time) AS BIGINT),
            CAST(SUM(dispatched_signed) AS BIGINT), CAST(SUM(answered) AS BIGINT), CAST(SUM(answered_on_time) AS BIGINT), CAST(SUM(closed) AS BIGINT),
            CAST(SUM(closed_on_time) AS BIGINT), CAST(SUM(closed_first_time) AS BIGINT), CAST(SUM(rated) AS BIGINT), CAST(SUM(satisfied) AS BIGINT),
            CAST(SUM(basic) AS BIGINT), CAST(SUM(unsatisfied) AS BIGINT), CAST(SUM(repeats) AS BIGINT), CAST(SUM(handling_minutes) AS BIGINT),
            CAST(SUM(handled) AS BIGINT)
        FROM order_days GROUP BY unit_id, day"),
    // And per unit, day and category (the dashboard's busiest categories).
    ("category_days", "CREATE TABLE category_days (
        unit_id TEXT NOT NULL,
        day BIGINT NOT NULL,
        category_id TEXT NOT NULL,
        volume BIGINT NOT NULL,
        dispatched BIGINT NOT NULL,
        signed BIGINT NOT NULL,
        signed_on_time BIGINT NOT NULL,
        dispatched_signed BIGINT NOT NULL,
        answered BIGINT NOT NULL,
        answered_on_time BIGINT NOT NULL,
        closed BIGINT NOT NULL,
        closed_on_time BIGINT NOT NULL,
        closed_first_time BIGINT NOT NULL,
        rated BIGINT NOT NULL,
        satisfied BIGINT NOT NULL,
        basic BIGINT NOT NULL,
        unsatisfied BIGINT NOT NULL,
        repeats BIGINT NOT NULL,
        handling_minutes BIGINT NOT NULL,
        handled BIGINT NOT NULL,
        PRIMARY KEY (unit_id, day, category_id))"),
    ("category_days_day", "CREATE INDEX category_days_day ON category_days (day)"),
    ("category_days_fill", "INSERT INTO category_days (unit_id, day, category_id, volume, dispatched, signed, signed_on_time,
            dispatched_signed, answered, answered_on_time, closed, closed_on_time, closed_first_time, rated, satisfied, basic,
            unsatisfied, repeats, handling_minutes, handled)
        SELECT unit_id, day, category_id,
            CAST(SUM(volume) AS BIGINT), CAST(SUM(dispatched) AS BIGINT), CAST(SUM(signed) AS BIGINT), CAST(SUM(signed_on_time) AS BIGINT),
            CAST(SUM(dispatched_signed) AS BIGINT), CAST(SUM(answered) AS BIGINT), CAST(SUM(answered_on_time) AS BIGINT), CAST(SUM(closed) AS BIGINT),
            CAST(SUM(closed_on_time) AS BIGINT), CAST(SUM(closed_first_time) AS BIGINT), CAST(SUM(rated) AS BIGINT), CAST(SUM(satisfied) AS BIGINT),
            CAST(SUM(basic) AS BIGINT), CAST(SUM(unsatisfied) AS BIGINT), CAST(SUM(repeats) AS BIGINT), CAST(SUM(handling_minutes) AS BIGINT),
            CAST(SUM(handled) AS BIGINT)
        FROM order_days GROUP BY unit_id, day, category_id"),
    // Search on PostgreSQL reads the newest matches window by window (search.rs, fts_windows):
    // each document's tsvector also holds the lexeme of its window of 2^13 ids. PostgreSQL 15
    // cannot change a generated column's expression, so the column (and its index) is made anew.
    ("postgres:search_docs_tsv_drop", "ALTER TABLE search_docs DROP COLUMN tsv"),
    ("postgres:search_docs_tsv_windows", "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS
        (to_tsvector('simple', terms) || array_to_tsvector(ARRAY['#' || CAST(id >> 13 AS TEXT)])) STORED"),
    ("postgres:search_docs_tsv_windows_index", "CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv)"),
    // A unit's queue counted from the index alone (kernel/inbox.rs).
    ("work_items_lead_kind", "CREATE INDEX work_items_lead_kind ON work_items (lead_unit_id, kind, state)"),
    // A unit's queue reads its rows by `w.kind || ''` (kernel/inbox.rs, UNINDEXED_KIND). Without
    // statistics of that expression PostgreSQL's planner took it to keep one row in two hundred,
    // read every item of the largest unit's queue and sorted them rather than walking the index
    // in order for the first twenty (BENCHMARKS §10); each ANALYZE gathers them, this one at once.
    ("postgres:work_items_kind_expr", "CREATE STATISTICS work_items_kind_expr ON (kind || '') FROM work_items"),
    ("postgres:work_items_kind_expr_analyze", "ANALYZE work_items"),
    // The signing-limit count (hotline/rollup.rs, `unsigned_overdue`) from an index of the orders
    // dispatched and never signed alone, holding the moment and unit it reads. Through the index
    // of every unsigned order (440,000 never dispatched among them at ten million) it looked up
    // each overdue one in the table: 2,070 at ten million, 5.9 ms a count on the server, once in
    // every month's statistics and ranking (BENCHMARKS §10); 0.5 ms by this one (the other
    // dropped, so that the planner does not prefer it for its two columns).
    ("sqlite:order_facts_unsigned_dispatched", "CREATE INDEX order_facts_unsigned_dispatched ON order_facts (sign_due, created_at, unit_id)
        WHERE signed_at IS NULL AND dispatched_at IS NOT NULL"),
    ("sqlite:order_facts_unsigned_drop", "DROP INDEX order_facts_unsigned"),
];

/// The leases table (see lease.rs), made before the migrations: they run under a lease.
pub(crate) const LEASES_TABLE: &str = "CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    term BIGINT NOT NULL)";
