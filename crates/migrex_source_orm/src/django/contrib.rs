//! Django's contrib apps that own tables (`contenttypes`, `auth`, `admin`, `sessions`): their
//! models are not in the project's folder, so their database-relevant definitions (Django 5.2,
//! the state their migrations leave: same columns in the same order, same names) are built in
//! and read like the project's own apps when `INSTALLED_APPS` lists them.

/// A contrib app: module, label, its last migration (what a new migration depends on) and its
/// models as Django defines them (only what reaches the database). The abstract bases real
/// projects subclass (`AbstractUser`, `AbstractBaseUser`, `PermissionsMixin`) are there too,
/// with their fields in Django's creation order, and `User` is swappable: a project's
/// `AUTH_USER_MODEL` replaces it.
pub struct ContribApp {
    pub module: &'static str,
    pub label: &'static str,
    pub leaf: &'static str,
    pub source: &'static str,
}

pub const APPS: &[ContribApp] = &[
    ContribApp {
        module: "django.contrib.contenttypes",
        label: "contenttypes",
        leaf: "0002_remove_content_type_name",
        source: r#"
from django.db import models


class ContentType(models.Model):
    app_label = models.CharField(max_length=100)
    model = models.CharField(max_length=100)

    class Meta:
        db_table = "django_content_type"
        unique_together = [["app_label", "model"]]
"#,
    },
    ContribApp {
        module: "django.contrib.auth",
        label: "auth",
        leaf: "0012_alter_user_first_name_max_length",
        source: r#"
from django.db import models


class Permission(models.Model):
    name = models.CharField(max_length=255)
    content_type = models.ForeignKey("contenttypes.ContentType", models.CASCADE)
    codename = models.CharField(max_length=100)

    class Meta:
        unique_together = [["content_type", "codename"]]


class Group(models.Model):
    name = models.CharField(max_length=150, unique=True)
    permissions = models.ManyToManyField(Permission, blank=True)


class AbstractBaseUser(models.Model):
    password = models.CharField(max_length=128)
    last_login = models.DateTimeField(blank=True, null=True)

    class Meta:
        abstract = True


class PermissionsMixin(models.Model):
    is_superuser = models.BooleanField(default=False)
    groups = models.ManyToManyField(Group, blank=True, related_name="user_set")
    user_permissions = models.ManyToManyField(Permission, blank=True, related_name="user_set")

    class Meta:
        abstract = True


class AbstractUser(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(max_length=150, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField()

    class Meta:
        abstract = True


class User(AbstractUser):
    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
"#,
    },
    ContribApp {
        module: "django.contrib.admin",
        label: "admin",
        leaf: "0003_logentry_add_action_flag_choices",
        source: r#"
from django.conf import settings
from django.db import models


class LogEntry(models.Model):
    action_time = models.DateTimeField()
    object_id = models.TextField(null=True, blank=True)
    object_repr = models.CharField(max_length=200)
    action_flag = models.PositiveSmallIntegerField()
    change_message = models.TextField(blank=True)
    content_type = models.ForeignKey("contenttypes.ContentType", models.SET_NULL, blank=True, null=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)

    class Meta:
        db_table = "django_admin_log"
"#,
    },
    ContribApp {
        module: "django.contrib.sessions",
        label: "sessions",
        leaf: "0001_initial",
        source: r#"
from django.db import models


class Session(models.Model):
    session_key = models.CharField(max_length=40, primary_key=True)
    session_data = models.TextField()
    expire_date = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "django_session"
"#,
    },
];

/// The contrib app an `INSTALLED_APPS` entry names (`django.contrib.auth` or its AppConfig
/// path `django.contrib.auth.apps.AuthConfig`).
pub fn named(entry: &str) -> Option<&'static ContribApp> {
    APPS.iter()
        .find(|a| entry == a.module || entry.starts_with(&format!("{}.apps.", a.module)))
}
