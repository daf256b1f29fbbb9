//! Reading EF Core projects. There is no .NET runner on these machines, so the proof is:
//! every fixture file (entities, DbContext, migrations, Designer, snapshot) parses with
//! tree-sitter-c-sharp; the reading carries EF's documented names and provider types; the SQL
//! migrex builds for the model runs on real SQLite and PostgreSQL databases whose
//! introspection equals the reading; and the snapshot (in EF Core 8's generated format) reads
//! back to the same schema as the entity classes.

use migrex_model::{Dialect, FkAction, Identity, Schema, Table};
use migrex_source_orm::{Framework, Models, OrmError, read};
use migrex_test_support::{TestDb, schema_differences};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/efcore")
        .join(name)
}

fn table<'s>(s: &'s Schema, name: &str) -> &'s Table {
    s.tables()
        .find(|(q, _)| q.name == name)
        .unwrap_or_else(|| panic!("no table {name}"))
        .1
}

fn type_sql(s: &Schema, t: &str, c: &str) -> String {
    let col = &table(s, t).columns[c];
    match s.dialect {
        Dialect::Postgres => migrex_dialect::postgres::format_type(&col.ty),
        Dialect::Mysql => migrex_dialect::mysql::format_type(&col.ty),
        Dialect::Sqlite => migrex_dialect::sqlite::format_type(&col.ty),
    }
}

fn sql_builds_what_migrex_reads(name: &str, dialect: Dialect) {
    let root = fixture(name);
    let sql = migrex_source_orm::efcore::project_sql(&root, dialect).expect("the fixture reads");
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    db.run(&sql);
    let live = db.introspect();
    let project = read(Framework::Efcore, &root, dialect).expect("the fixture reads");
    let d = schema_differences(&live.schema, &project.loaded.schema);
    assert!(
        d.is_empty(),
        "SQL:\n{sql}\ndifferences (live vs reader):\n{}",
        d.join("\n")
    );
}

#[test]
fn efcore_blog_sqlite_ddl_is_valid_and_faithful() {
    sql_builds_what_migrex_reads("blog_sqlite", Dialect::Sqlite);
}

#[test]
fn efcore_blog_postgres_ddl_is_valid_and_faithful() {
    sql_builds_what_migrex_reads("blog_sqlite", Dialect::Postgres);
}

#[test]
fn efcore_shop_postgres_ddl_is_valid_and_faithful() {
    sql_builds_what_migrex_reads("shop_pg", Dialect::Postgres);
}

#[test]
fn efcore_shop_sqlite_ddl_is_valid_and_faithful() {
    sql_builds_what_migrex_reads("shop_pg", Dialect::Sqlite);
}

#[test]
fn efcore_store_mysql_ddl_is_valid_and_faithful() {
    sql_builds_what_migrex_reads("store_mysql", Dialect::Mysql);
}

#[test]
fn efcore_school_on_mysql_ddl_is_valid_and_faithful() {
    // The same entity classes under Pomelo's conventions (utf8mb4, varchar(255) keys, ...).
    // (blog_sqlite is not used here: its `datetime(6) DEFAULT CURRENT_TIMESTAMP` is refused by
    // MySQL 8 and widened by MariaDB.)
    sql_builds_what_migrex_reads("school_sqlite", Dialect::Mysql);
}

#[test]
fn efcore_every_fixture_file_parses_with_tree_sitter() {
    fn walk(dir: &Path, n: &mut usize) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, n);
            } else if p.extension().is_some_and(|x| x == "cs") {
                let text = std::fs::read_to_string(&p).unwrap();
                let err = migrex_source_orm::efcore::cs::syntax_error(&text);
                assert!(err.is_none(), "{}: {err:?}", p.display());
                *n += 1;
            }
        }
    }
    let mut n = 0;
    walk(&fixture(""), &mut n);
    assert!(n >= 10, "{n} files");
}

#[test]
fn efcore_blog_conventions_annotations_and_fluent_api() {
    let root = fixture("blog_sqlite");
    let p = read(Framework::Efcore, &root, Dialect::Sqlite).unwrap();
    let s = &p.loaded.schema;
    let mut names: Vec<String> = s.tables().map(|(q, _)| q.name).collect();
    names.sort();
    // DbSet names, [Table], the class name for a type reached only by navigation, and the
    // implicit many-to-many join table <A><B>.
    assert_eq!(
        names,
        ["BlogHeader", "Blogs", "People", "PostTag", "Posts", "Tags"]
    );
    let blogs = table(s, "Blogs");
    assert_eq!(blogs.primary_key.as_ref().unwrap().columns, ["BlogId"]);
    assert!(
        matches!(
            blogs.columns["BlogId"].identity,
            Some(Identity::AutoIncrement)
        ),
        "{:?}",
        blogs.columns["BlogId"].identity
    );
    // <Nullable>enable</Nullable>: string is NOT NULL, string? is NULL.
    assert!(!blogs.columns["Url"].nullable);
    assert!(blogs.columns["Description"].nullable);
    assert!(!blogs.columns.contains_key("PostCount"));
    assert_eq!(type_sql(s, "Blogs", "Status"), "INTEGER");
    assert_eq!(type_sql(s, "Blogs", "CreatedAt"), "TEXT");
    let posts = table(s, "Posts");
    assert!(posts.columns.contains_key("body"), "HasColumnName");
    assert!(!posts.columns.contains_key("Excerpt"), "[NotMapped]");
    assert_eq!(type_sql(s, "Posts", "Price"), "TEXT");
    // The shadow foreign key of an optional navigation: <Nav><PrincipalKey>, nullable,
    // ClientSetNull (no action in the database).
    assert!(posts.columns["AuthorPersonId"].nullable);
    let fk = |t: &Table, n: &str| {
        t.foreign_keys
            .iter()
            .find(|f| f.name.as_deref() == Some(n))
            .cloned()
            .unwrap_or_else(|| panic!("no {n}: {:?}", t.foreign_keys))
    };
    assert_eq!(
        fk(posts, "FK_Posts_People_AuthorPersonId").on_delete,
        FkAction::NoAction
    );
    assert_eq!(
        fk(posts, "FK_Posts_Blogs_BlogId").on_delete,
        FkAction::Cascade
    );
    let ix: Vec<&str> = posts.indexes.iter().map(|i| i.name.as_str()).collect();
    for n in [
        "IX_Posts_AuthorPersonId",
        "IX_Posts_BlogId",
        "IX_Posts_Slug",
    ] {
        assert!(ix.contains(&n), "{ix:?}");
    }
    let join = table(s, "PostTag");
    assert_eq!(
        join.primary_key.as_ref().unwrap().columns,
        ["PostsPostId", "TagsTagId"]
    );
    assert_eq!(
        fk(join, "FK_PostTag_Tags_TagsTagId").on_delete,
        FkAction::Cascade
    );
    assert_eq!(
        join.indexes
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        ["IX_PostTag_TagsTagId"]
    );
    let header = table(s, "BlogHeader");
    assert!(
        header
            .indexes
            .iter()
            .any(|i| i.name == "IX_BlogHeader_BlogId" && i.unique)
    );
    let people = table(s, "People");
    assert!(people.columns.contains_key("full_name"));
    assert!(people.indexes.iter().any(|i| i.name == "IX_Person_Contact"));
    // Not unique by convention: an index on a table with a column-level name.
    let Models::Efcore(m) = &p.models else {
        panic!()
    };
    assert_eq!(m.context, "BloggingContext");
    assert_eq!(m.provider.as_deref(), Some("sqlite"));
    assert_eq!(m.migrations_dir, PathBuf::from("Migrations"));
    assert_eq!(m.product_version.as_deref(), Some("8.0.8"));
}

#[test]
fn efcore_blog_history_and_snapshot_state() {
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let p = read(Framework::Efcore, &fixture("blog_sqlite"), dialect).unwrap();
        assert_eq!(p.history.migrations, ["20240805123834_Initial"]);
        assert_eq!(p.history.heads, ["20240805123834_Initial"]);
        let state = p.history.state.as_ref().expect("the snapshot is read");
        if dialect == Dialect::Sqlite {
            // The snapshot's model is the entity classes' model.
            let d = schema_differences(&state.schema, &p.loaded.schema);
            assert!(d.is_empty(), "snapshot vs model:\n{}", d.join("\n"));
        } else {
            assert_eq!(state.schema.tables().count(), 6);
        }
    }
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Efcore, &fixture("blog_sqlite")),
        Some(Dialect::Sqlite)
    );
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Efcore, &fixture("shop_pg")),
        Some(Dialect::Postgres)
    );
    assert_eq!(
        migrex_source_orm::detect(&fixture("shop_pg")).unwrap(),
        Framework::Efcore
    );
    assert_eq!(Framework::from_prefix("ef"), Some(Framework::Efcore));
}

#[test]
fn efcore_shop_postgres_names_and_npgsql_types() {
    let p = read(Framework::Efcore, &fixture("shop_pg"), Dialect::Postgres).unwrap();
    let s = &p.loaded.schema;
    let ns: Vec<(String, String)> = s
        .tables()
        .map(|(q, _)| (q.namespace.clone(), q.name.clone()))
        .collect();
    assert!(
        ns.contains(&("catalog".into(), "categories".into())),
        "{ns:?}"
    );
    assert!(
        ns.contains(&("shop".into(), "orders".into())),
        "HasDefaultSchema: {ns:?}"
    );
    assert!(ns.contains(&("shop".into(), "OrderLines".into())), "{ns:?}");
    let products = table(s, "Products");
    assert!(matches!(
        products.columns["Id"].identity,
        Some(Identity::ByDefault { .. })
    ));
    assert_eq!(type_sql(s, "Products", "Id"), "bigint");
    assert_eq!(type_sql(s, "Products", "Sku"), "character varying(32)");
    assert_eq!(type_sql(s, "Products", "Price"), "numeric(12,2)");
    assert_eq!(type_sql(s, "Products", "Currency"), "character varying(3)");
    assert_eq!(type_sql(s, "Products", "Kind"), "smallint");
    assert_eq!(
        type_sql(s, "Products", "CreatedAt"),
        "timestamp with time zone"
    );
    assert_eq!(type_sql(s, "Products", "AvailableFrom"), "date");
    assert_eq!(type_sql(s, "Products", "ExternalId"), "uuid");
    assert_eq!(type_sql(s, "Products", "Weight"), "double precision");
    assert_eq!(type_sql(s, "Products", "Thumbnail"), "bytea");
    assert_eq!(type_sql(s, "Products", "Active"), "boolean");
    // A principal key that is not the primary key becomes an alternate key.
    assert!(
        products
            .uniques
            .iter()
            .any(|u| u.name.as_deref() == Some("AK_Products_Sku")),
        "{:?}",
        products.uniques
    );
    let lines = table(s, "OrderLines");
    assert_eq!(
        type_sql(s, "OrderLines", "ProductSku"),
        "character varying(32)",
        "facets of the principal key"
    );
    let fk = lines
        .foreign_keys
        .iter()
        .find(|f| f.name.as_deref() == Some("FK_OrderLines_Products_ProductSku"))
        .unwrap();
    assert_eq!(fk.on_delete, FkAction::Restrict);
    assert!(lines.foreign_keys.iter().any(|f| f.name.as_deref()
        == Some("FK_OrderLines_orders_OrderId")
        && f.on_delete == FkAction::Cascade));
    // Names longer than 63 characters are cut to 62 and end in `~`.
    let long = lines
        .indexes
        .iter()
        .map(|i| i.name.clone())
        .collect::<Vec<_>>();
    assert_eq!(
        long.len(),
        1,
        "the FK index is covered by the composite key and the long index: {long:?}"
    );
    assert_eq!(long[0].chars().count(), 63);
    assert!(
        long[0].starts_with("IX_OrderLines_ProductSku_VeryLong") && long[0].ends_with('~'),
        "{long:?}"
    );
    let orders = table(s, "orders");
    assert!(
        orders
            .uniques
            .iter()
            .any(|u| u.name.as_deref() == Some("AK_orders_Number"))
    );
    assert!(
        orders
            .checks
            .iter()
            .any(|c| c.name.as_deref() == Some("CK_orders_status"))
    );
    assert_eq!(
        orders.columns["Status"].comment.as_deref(),
        Some("Workflow state")
    );
    assert!(orders.foreign_keys.iter().any(|f| f.name.as_deref()
        == Some("FK_orders_Customers_CustomerId")
        && f.on_delete == FkAction::SetNull));
    let cats = table(s, "categories");
    assert!(
        cats.columns["Code"].identity.is_none(),
        "DatabaseGenerated(None)"
    );
    assert_eq!(cats.comment.as_deref(), Some("Product categories"));
    assert!(
        cats.foreign_keys
            .iter()
            .any(|f| f.name.as_deref() == Some("FK_categories_categories_ParentCode"))
    );
    assert!(
        cats.indexes
            .iter()
            .any(|i| i.name == "IX_categories_ParentCode")
    );
    let customers = table(s, "Customers");
    assert!(
        customers.columns["Id"].identity.is_none() && customers.columns["Id"].default.is_none(),
        "Guid keys are generated by the client"
    );
    assert!(
        customers
            .indexes
            .iter()
            .any(|i| i.name == "IX_Customers_Email" && i.unique)
    );
    // Owned types share the owner's table as <Navigation>_<Property> columns; an optional
    // owned navigation makes all of them nullable.
    assert_eq!(
        type_sql(s, "Customers", "ShippingAddress_Street"),
        "character varying(100)"
    );
    assert!(customers.columns["ShippingAddress_Street"].nullable);
    assert!(customers.columns["ShippingAddress_City"].nullable);
    assert!(!customers.columns["BillingAddress_Street"].nullable);
    assert!(
        !customers.columns["billing_city"].nullable,
        "HasColumnName inside OwnsOne"
    );
    assert!(customers.columns["BillingAddress_Zip"].nullable);
    assert!(!s.tables().any(|(q, _)| q.name == "Address"));
}

fn read_error(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (n, t) in files {
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    match read(Framework::Efcore, dir.path(), Dialect::Sqlite) {
        Err(e @ OrmError::Input { .. }) => {
            let s = e.to_string();
            // Without the temporary folder.
            let prefix = format!("{}/", dir.path().display());
            s.strip_prefix(&prefix).unwrap_or(&s).to_string()
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}

const ENTITY: &str = "public class A { public int Id { get; set; } }\n";

#[test]
fn efcore_errors_point_at_the_source() {
    let ctx = |body: &str| {
        format!(
            "using Microsoft.EntityFrameworkCore;\npublic class Ctx : DbContext {{\n    public DbSet<A> As => Set<A>();\n    protected override void OnModelCreating(ModelBuilder mb) {{\n{body}\n    }}\n}}\n"
        )
    };
    assert_eq!(
        read_error(&[
            ("A.cs", ENTITY),
            ("Ctx.cs", &ctx("        mb.Entity<A>().HasNothing();"))
        ]),
        "Ctx.cs:5:9: `HasNothing` is not supported on an entity type builder (migrex reads a subset of the fluent API)"
    );
    assert_eq!(
        read_error(&[
            ("A.cs", ENTITY),
            ("Ctx.cs", &ctx("        if (true) { mb.Entity<A>(); }"))
        ]),
        "Ctx.cs:5:9: unsupported statement in model configuration: `if (true) { mb.Entity<A>(); }`"
    );
    assert_eq!(
        read_error(&[("Ctx.cs", &ctx("        mb.Entity<A>(;"))]),
        "Ctx.cs:5:22: missing )".to_string()
    );
    assert_eq!(
        read_error(&[
            ("A.cs", "public class A { public int Nope { get; set; } }\n"),
            ("Ctx.cs", &ctx(""))
        ]),
        "A.cs:1:1: entity type `A` has no primary key: add an `Id`/`AId` property, [Key] or HasKey"
    );
}

#[test]
fn efcore_school_sqlite_ddl_is_valid_and_faithful() {
    sql_builds_what_migrex_reads("school_sqlite", Dialect::Sqlite);
}

#[test]
fn efcore_school_postgres_ddl_is_valid_and_faithful() {
    sql_builds_what_migrex_reads("school_sqlite", Dialect::Postgres);
}

#[test]
fn efcore_school_annotations_inheritance_and_one_to_one() {
    let p = read(
        Framework::Efcore,
        &fixture("school_sqlite"),
        Dialect::Sqlite,
    )
    .unwrap();
    let s = &p.loaded.schema;
    let students = table(s, "Students");
    // Base-class properties are mapped; without <Nullable>enable</Nullable> strings are
    // optional unless [Required].
    assert!(students.columns["CreatedBy"].nullable);
    assert!(!students.columns["LastName"].nullable);
    assert!(students.columns.contains_key("Created"));
    assert!(type_sql(s, "Students", "enrolled_on").eq_ignore_ascii_case("date"));
    let ix = students
        .indexes
        .iter()
        .find(|i| i.name == "ix_student_name")
        .expect("[Index(Name=)]");
    assert!(ix.parts[1].descending && !ix.parts[0].descending);
    // [ForeignKey("AdvisorId")] on the navigation, [InverseProperty] on the other side.
    let fk = students
        .foreign_keys
        .iter()
        .find(|f| f.name.as_deref() == Some("FK_Students_Instructors_AdvisorId"))
        .expect("advisor FK");
    assert_eq!(fk.on_delete, FkAction::NoAction);
    assert_eq!(fk.ref_columns, ["Code"]);
    // One-to-one with a shared primary key ([Key, ForeignKey]).
    let office = table(s, "OfficeAssignment");
    assert_eq!(
        office.primary_key.as_ref().unwrap().columns,
        ["InstructorCode"]
    );
    assert!(office.foreign_keys.iter().any(|f| f.name.as_deref()
        == Some("FK_OfficeAssignment_Instructors_InstructorCode")
        && f.on_delete == FkAction::Cascade));
    assert!(
        office.indexes.is_empty(),
        "the key covers the FK: {:?}",
        office.indexes
    );
    let course = table(s, "Course");
    assert!(
        course.columns["CourseID"].identity.is_none(),
        "DatabaseGeneratedOption.None"
    );
    assert!(course.columns["MinimumGrade"].nullable);
    assert!(
        course
            .checks
            .iter()
            .any(|c| c.name.as_deref() == Some("CK_Course_Credits"))
    );
    let enr = table(s, "Enrollments");
    assert!(enr.columns.contains_key("Note"), "shadow property");
    assert!(enr.foreign_keys.iter().any(|f| f.name.as_deref()
        == Some("FK_Enrollments_Course_CourseID")
        && f.on_delete == FkAction::Restrict));
    assert!(
        enr.foreign_keys.iter().any(|f| f.name.as_deref()
            == Some("FK_Enrollments_Students_StudentID")
            && f.on_delete == FkAction::NoAction),
        "[DeleteBehavior] on the navigation"
    );
    let names: Vec<&str> = enr.indexes.iter().map(|i| i.name.as_str()).collect();
    // StudentID is covered by the unique (StudentID, CourseID) index; CourseID is not.
    assert_eq!(
        names,
        [
            "IX_Enrollments_CourseID",
            "IX_Enrollments_StudentID_CourseID"
        ]
    );
}

#[test]
fn efcore_fixture_migration_builds_the_model() {
    // The fixture's Initial migration (EF Core 8 SQLite output), replayed operation by
    // operation, builds the schema the entity classes describe; Down empties the database.
    let root = fixture("blog_sqlite");
    let files: Vec<PathBuf> = std::fs::read_dir(root.join("Migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let up = migrex_source_orm::efcore::ops::files_sql(&files, "Up", Dialect::Sqlite).unwrap();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].0, "20240805123834_Initial");
    let down = migrex_source_orm::efcore::ops::files_sql(&files, "Down", Dialect::Sqlite).unwrap();
    let Some(db) = TestDb::new(Dialect::Sqlite) else {
        return;
    };
    db.run(&up[0].1);
    let live = db.introspect();
    let p = read(Framework::Efcore, &root, Dialect::Sqlite).unwrap();
    let d = schema_differences(&live.schema, &p.loaded.schema);
    assert!(d.is_empty(), "{}\n{}", up[0].1, d.join("\n"));
    db.run(&down[0].1);
    assert_eq!(db.introspect().schema.tables().count(), 0);
}

#[test]
fn efcore_scaffolded_context_style() {
    // `dotnet ef dbcontext scaffold` output: Entity<T>(entity => { ... }) blocks, explicit
    // names, ClientSetNull, and the OnModelCreatingPartial hook.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Models.cs"),
        r#"
namespace Legacy.Models;

public partial class User
{
    public int UserId { get; set; }
    public string Email { get; set; } = null!;
    public virtual ICollection<Order> Orders { get; set; } = new List<Order>();
}

public partial class Order
{
    public int OrderId { get; set; }
    public int? UserId { get; set; }
    public decimal Total { get; set; }
    public virtual User? User { get; set; }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("LegacyContext.cs"),
        r#"
using Microsoft.EntityFrameworkCore;
using Legacy.Models;

namespace Legacy;

public partial class LegacyContext : DbContext
{
    public virtual DbSet<Order> Orders { get; set; }
    public virtual DbSet<User> Users { get; set; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(entity =>
        {
            entity.HasKey(e => e.OrderId).HasName("orders_pkey");
            entity.ToTable("orders");
            entity.HasIndex(e => e.UserId, "orders_user_id_idx");
            entity.Property(e => e.OrderId).HasColumnName("order_id");
            entity.Property(e => e.UserId).HasColumnName("user_id");
            entity.Property(e => e.Total).HasPrecision(10, 2).HasColumnName("total");
            entity.HasOne(d => d.User).WithMany(p => p.Orders)
                .HasForeignKey(d => d.UserId)
                .OnDelete(DeleteBehavior.ClientSetNull)
                .HasConstraintName("orders_user_id_fkey");
        });

        modelBuilder.Entity<User>(entity =>
        {
            entity.HasKey(e => e.UserId).HasName("users_pkey");
            entity.ToTable("users");
            entity.HasIndex(e => e.Email, "users_email_key").IsUnique();
            entity.Property(e => e.UserId).HasColumnName("user_id");
            entity.Property(e => e.Email).HasMaxLength(255).HasColumnName("email");
        });

        OnModelCreatingPartial(modelBuilder);
    }

    partial void OnModelCreatingPartial(ModelBuilder modelBuilder);
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("Legacy.csproj"),
        "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><Nullable>enable</Nullable></PropertyGroup>\
         <ItemGroup><PackageReference Include=\"Npgsql.EntityFrameworkCore.PostgreSQL\" Version=\"8.0.4\" /></ItemGroup></Project>",
    )
    .unwrap();
    let p = read(Framework::Efcore, dir.path(), Dialect::Postgres).unwrap();
    let s = &p.loaded.schema;
    let orders = table(s, "orders");
    assert_eq!(
        orders.primary_key.as_ref().unwrap().name.as_deref(),
        Some("orders_pkey")
    );
    assert_eq!(type_sql(s, "orders", "total"), "numeric(10,2)");
    assert!(orders.columns["user_id"].nullable);
    let fk = &orders.foreign_keys[0];
    assert_eq!(fk.name.as_deref(), Some("orders_user_id_fkey"));
    assert_eq!(fk.on_delete, FkAction::NoAction);
    assert_eq!(
        orders
            .indexes
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        ["orders_user_id_idx"]
    );
    assert_eq!(type_sql(s, "users", "email"), "character varying(255)");
    let sql = migrex_source_orm::efcore::project_sql(dir.path(), Dialect::Postgres).unwrap();
    if let Some(db) = TestDb::new(Dialect::Postgres) {
        db.run(&sql);
        let d = schema_differences(&db.introspect().schema, s);
        assert!(d.is_empty(), "{}", d.join("\n"));
    }
}

#[test]
fn efcore_refuses_what_it_does_not_read() {
    let ctx = "using Microsoft.EntityFrameworkCore;\npublic class Ctx : DbContext {\n    public DbSet<Animal> Animals => Set<Animal>();\n    public DbSet<Dog> Dogs => Set<Dog>();\n}\n";
    assert_eq!(
        read_error(&[
            ("Ctx.cs", ctx),
            (
                "Animal.cs",
                "public class Animal { public int Id { get; set; } }\npublic class Dog : Animal { public bool Good { get; set; } }\n"
            ),
        ]),
        "Animal.cs:2:1: entity type `Dog` derives from entity type `Animal`: inheritance mapping (TPH/TPT/TPC) is not supported yet"
    );
    assert_eq!(
        read_error(&[
            (
                "Ctx.cs",
                "using Microsoft.EntityFrameworkCore;\npublic class Ctx : DbContext {\n    public DbSet<A> As => Set<A>();\n    protected override void OnModelCreating(ModelBuilder mb) {\n        mb.Entity<A>().OwnsMany(a => a.Lines);\n    }\n}\n"
            ),
            ("A.cs", "public class A { public int Id { get; set; } }\n"),
        ]),
        "Ctx.cs:5:9: `OwnsMany` is not supported yet (owned types are read as OwnsOne with table splitting)"
    );
}

#[test]
fn efcore_unreadable_snapshot_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("p");
    migrex_test_support::copy_dir(&fixture("blog_sqlite"), &root);
    let snap = root.join("Migrations/BloggingContextModelSnapshot.cs");
    let text = std::fs::read_to_string(&snap).unwrap().replace(
        "b.ToTable(\"Tags\");",
        "b.ToTable(\"Tags\");\n\n                    b.HasDiscriminator<string>(\"Kind\");",
    );
    std::fs::write(&snap, text).unwrap();
    let p = read(Framework::Efcore, &root, Dialect::Sqlite).unwrap();
    assert!(p.history.state.is_none());
    assert_eq!(p.history.migrations.len(), 1);
    let w = &p.loaded.warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message
            .contains("inheritance mappings are not supported yet"),
        "{}",
        w[0].message
    );
}

#[test]
fn efcore_class_names_resolve_through_usings() {
    let dir = tempfile::tempdir().unwrap();
    let w = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).unwrap();
    w(
        "Dto.cs",
        "namespace Shop.Api.Dtos { public class Order { public string Anything { get; set; } } }\n",
    );
    w(
        "Order.cs",
        "namespace Shop.Domain { public class Order { public int Id { get; set; } public string? Note { get; set; } } }\n",
    );
    w(
        "Ctx.cs",
        "using Microsoft.EntityFrameworkCore;\nusing Shop.Domain;\nnamespace Shop.Data;\npublic class Ctx : DbContext {\n    public DbSet<Order> Orders => Set<Order>();\n}\n",
    );
    let p = read(Framework::Efcore, dir.path(), Dialect::Sqlite).unwrap();
    assert!(
        table(&p.loaded.schema, "Orders")
            .columns
            .contains_key("Note")
    );
    w(
        "Ctx.cs",
        "using Microsoft.EntityFrameworkCore;\nnamespace Shop.Data;\npublic class Ctx : DbContext {\n    public DbSet<Order> Orders => Set<Order>();\n}\n",
    );
    let e = read(Framework::Efcore, dir.path(), Dialect::Sqlite)
        .unwrap_err()
        .to_string();
    assert!(e.contains("names several classes"), "{e}");
}

#[test]
fn efcore_owned_types_in_model_and_snapshot() {
    // An owned type (table splitting) from the entity classes, and the same model in the
    // snapshot form EF writes for it (OwnsOne("Type", "Nav", b1 => ...), WithOwner, the key
    // copy), read to the same schema.
    let dir = tempfile::tempdir().unwrap();
    let w = |n: &str, t: &str| {
        let p = dir.path().join(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap()
    };
    w(
        "Shop.csproj",
        "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><Nullable>enable</Nullable></PropertyGroup>\
         <ItemGroup><PackageReference Include=\"Microsoft.EntityFrameworkCore.Sqlite\" Version=\"9.0.8\" /></ItemGroup></Project>",
    );
    w(
        "Model.cs",
        r#"using Microsoft.EntityFrameworkCore;
namespace Shop;
public class Address
{
    public string Street { get; set; } = "";
    public string? Zip { get; set; }
}
public class Customer
{
    public int Id { get; set; }
    public Address Billing { get; set; } = null!;
    public Address? Shipping { get; set; }
}
public class ShopContext : DbContext
{
    public DbSet<Customer> Customers => Set<Customer>();
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Customer>(b =>
        {
            b.OwnsOne(c => c.Billing, a => a.Property(x => x.Street).HasColumnName("billing_street"));
            b.OwnsOne(c => c.Shipping);
            b.Navigation(c => c.Billing).IsRequired();
        });
    }
}
"#,
    );
    w(
        "Migrations/ShopContextModelSnapshot.cs",
        r#"// <auto-generated />
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Shop;

#nullable disable

namespace Shop.Migrations
{
    [DbContext(typeof(ShopContext))]
    partial class ShopContextModelSnapshot : ModelSnapshot
    {
        protected override void BuildModel(ModelBuilder modelBuilder)
        {
#pragma warning disable 612, 618
            modelBuilder.HasAnnotation("ProductVersion", "9.0.8");

            modelBuilder.Entity("Shop.Customer", b =>
                {
                    b.Property<int>("Id")
                        .ValueGeneratedOnAdd()
                        .HasColumnType("INTEGER");

                    b.HasKey("Id");

                    b.ToTable("Customers");
                });

            modelBuilder.Entity("Shop.Customer", b =>
                {
                    b.OwnsOne("Shop.Address", "Billing", b1 =>
                        {
                            b1.Property<int>("CustomerId")
                                .HasColumnType("INTEGER");

                            b1.Property<string>("Street")
                                .IsRequired()
                                .HasColumnType("TEXT")
                                .HasColumnName("billing_street");

                            b1.Property<string>("Zip")
                                .HasColumnType("TEXT");

                            b1.HasKey("CustomerId");

                            b1.ToTable("Customers");

                            b1.WithOwner()
                                .HasForeignKey("CustomerId");
                        });

                    b.OwnsOne("Shop.Address", "Shipping", b1 =>
                        {
                            b1.Property<int>("CustomerId")
                                .HasColumnType("INTEGER");

                            b1.Property<string>("Street")
                                .IsRequired()
                                .HasColumnType("TEXT");

                            b1.Property<string>("Zip")
                                .HasColumnType("TEXT");

                            b1.HasKey("CustomerId");

                            b1.ToTable("Customers");

                            b1.WithOwner()
                                .HasForeignKey("CustomerId");
                        });

                    b.Navigation("Billing")
                        .IsRequired();

                    b.Navigation("Shipping");
                });
#pragma warning restore 612, 618
        }
    }
}
"#,
    );
    let p = read(Framework::Efcore, dir.path(), Dialect::Sqlite).unwrap();
    let s = &p.loaded.schema;
    let c = table(s, "Customers");
    let mut cols: Vec<(&str, bool)> = c
        .columns
        .values()
        .map(|c| (c.name.as_str(), c.nullable))
        .collect();
    cols.sort();
    assert_eq!(
        cols,
        [
            ("Id", false),
            ("Shipping_Street", true),
            ("Shipping_Zip", true),
            ("Billing_Zip", true),
            ("billing_street", false)
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    assert!(p.loaded.warnings.is_empty(), "{:?}", p.loaded.warnings);
    let state = p.history.state.as_ref().expect("the snapshot reads");
    let d = schema_differences(&state.schema, s);
    assert!(d.is_empty(), "snapshot vs model:\n{}", d.join("\n"));
}

#[test]
fn efcore_store_mysql_pomelo_types_and_names() {
    let root = fixture("store_mysql");
    let p = read(Framework::Efcore, &root, Dialect::Mysql).unwrap();
    let s = &p.loaded.schema;
    let ty = |t: &str, c: &str| type_sql(s, t, c);
    // Pomelo's default type mappings.
    for (t, c, want) in [
        ("Customers", "Id", "char(36)"),
        ("Customers", "Email", "varchar(200)"),
        ("Customers", "Name", "longtext"),
        ("Customers", "Active", "tinyint(1)"),
        ("Customers", "CreatedAt", "datetime(6)"),
        ("Customers", "UpdatedAt", "datetime(6)"),
        ("Orders", "Id", "int"),
        ("Orders", "Status", "int"),
        ("Orders", "Total", "decimal(65,30)"),
        ("Orders", "Shipping", "decimal(10,2)"),
        ("Orders", "DeliverOn", "date"),
        ("Orders", "DeliveryWindow", "time(6)"),
        // A string in an index without a maximum length: varchar(255).
        ("Orders", "Code", "varchar(255)"),
        ("Products", "Title", "varchar(255)"),
        ("Products", "Weight", "double"),
        ("Products", "Rating", "float"),
        ("Products", "Stock", "bigint"),
        ("Products", "Image", "longblob"),
        ("OrderLines", "Quantity", "smallint"),
        // The join table's key takes the principal key's facets.
        ("ProductTag", "ProductsSku", "varchar(32)"),
    ] {
        assert_eq!(ty(t, c), want, "{t}.{c}");
    }
    let customers = table(s, "Customers");
    // Guid: char(36) in ascii_general_ci; the other strings in the utf8mb4 default.
    assert_eq!(
        customers.columns["Id"].collation.as_deref(),
        Some("ascii_general_ci")
    );
    assert_eq!(customers.columns["Email"].collation, None);
    assert_eq!(customers.comment.as_deref(), Some("People who buy"));
    assert_eq!(
        customers.columns["Notes"].comment.as_deref(),
        Some("Free text")
    );
    // ValueGeneratedOnAddOrUpdate on a DateTime.
    let upd = &customers.columns["UpdatedAt"];
    assert!(upd.on_update.is_some() && upd.default.is_some(), "{upd:?}");
    assert!(customers.columns["Active"].default.is_some());
    assert_eq!(
        table(s, "Products").columns["Title"].collation.as_deref(),
        Some("latin1_swedish_ci"),
        "HasCharSet(\"latin1\")"
    );
    assert_eq!(
        table(s, "Tags").columns["Name"].collation.as_deref(),
        Some("utf8mb4_bin")
    );
    let orders = table(s, "Orders");
    assert!(matches!(
        orders.columns["Id"].identity,
        Some(Identity::AutoIncrement)
    ));
    assert!(
        orders.columns["PlacedAt"].default.is_some(),
        "ValueGeneratedOnAdd on a DateTime is DEFAULT CURRENT_TIMESTAMP(6)"
    );
    assert!(orders.columns["CustomerId"].identity.is_none());
    // HasPrefixLength.
    let title_ix = table(s, "Products")
        .indexes
        .iter()
        .find(|i| i.name == "IX_Products_Title")
        .expect("IX_Products_Title");
    assert_eq!(title_ix.parts[0].prefix_len, Some(16));
    // Names past MySQL's 64 characters: 63 and `~`.
    let long = table(
        s,
        "ShipmentTrackingEventsWithAnExceptionallyLongDescriptiveName",
    );
    let fk = long.foreign_keys[0].name.clone().unwrap();
    assert_eq!(fk.chars().count(), 64);
    assert!(
        fk.starts_with("FK_ShipmentTracking") && fk.ends_with('~'),
        "{fk}"
    );
    assert!(
        long.indexes
            .iter()
            .any(|i| i.name.chars().count() == 64 && i.name.ends_with('~'))
    );
    let lines = table(s, "OrderLines");
    assert!(lines.foreign_keys.iter().any(|f| f.name.as_deref()
        == Some("FK_OrderLines_Products_ProductSku")
        && f.on_delete == FkAction::Restrict));
    assert!(
        lines
            .checks
            .iter()
            .any(|c| c.name.as_deref() == Some("CK_OrderLines_Quantity"))
    );
    let Models::Efcore(m) = &p.models else {
        panic!()
    };
    assert_eq!(m.provider.as_deref(), Some("mysql"));
    assert_eq!(m.context, "StoreContext");
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Efcore, &root),
        Some(Dialect::Mysql)
    );
    // The snapshot (Pomelo's format: AutoIncrementColumns, UseMySqlIdentityColumn,
    // HasCharSet, HasPrefixLength, ...) reads to the entity classes' schema.
    assert_eq!(p.history.migrations, ["20250301120000_Initial"]);
    let state = p.history.state.as_ref().expect("the snapshot reads");
    let d = schema_differences(&state.schema, s);
    assert!(d.is_empty(), "snapshot vs model:\n{}", d.join("\n"));
    assert!(p.loaded.warnings.is_empty(), "{:?}", p.loaded.warnings);
}

#[test]
fn efcore_store_mysql_migration_builds_the_model() {
    // The fixture's Initial migration in Pomelo's format (AlterDatabase, MySql: annotations,
    // collation:, IndexPrefixLength), replayed on MariaDB, builds the entity classes' schema;
    // Down empties the database.
    let root = fixture("store_mysql");
    let files: Vec<PathBuf> = std::fs::read_dir(root.join("Migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let up = migrex_source_orm::efcore::ops::files_sql(&files, "Up", Dialect::Mysql).unwrap();
    let down = migrex_source_orm::efcore::ops::files_sql(&files, "Down", Dialect::Mysql).unwrap();
    assert_eq!(up.len(), 1);
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    db.run(&up[0].1);
    let p = read(Framework::Efcore, &root, Dialect::Mysql).unwrap();
    let d = schema_differences(&db.introspect().schema, &p.loaded.schema);
    assert!(d.is_empty(), "{}\n{}", up[0].1, d.join("\n"));
    db.run(&down[0].1);
    assert_eq!(db.introspect().schema.tables().count(), 0);
}
