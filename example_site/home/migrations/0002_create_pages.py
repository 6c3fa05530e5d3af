"""Replace Wagtail's default welcome page by the site's home page, with the customer area's
account page below it at /account/."""

from django.db import migrations

HOME_INTRO = (
    "<p>Questions about our products or an invoice? Log in and open a ticket: our support "
    "team answers in the customer area and by email.</p>"
)
ACCOUNT_INTRO = "<p>Your tickets, your company's tickets and your profile, in one place.</p>"


def create_pages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("home.HomePage")
    AccountPage = apps.get_model("home.AccountPage")

    Page.objects.filter(
        content_type__app_label="wagtailcore", content_type__model="page", slug="home", depth=2
    ).delete()
    locale = Locale.objects.order_by("pk").first()
    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="home")
    account_type, _ = ContentType.objects.get_or_create(model="accountpage", app_label="home")
    home = HomePage.objects.create(
        title="Welcome to Example Support",
        draft_title="Welcome to Example Support",
        slug="home",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        intro=HOME_INTRO,
    )
    AccountPage.objects.create(
        title="My account",
        draft_title="My account",
        slug="account",
        content_type=account_type,
        path="000100010001",
        depth=3,
        numchild=0,
        url_path="/home/account/",
        locale=locale,
        intro=ACCOUNT_INTRO,
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)


def remove_pages(apps, schema_editor):
    Page = apps.get_model("wagtailcore.Page")
    Page.objects.filter(content_type__app_label="home").delete()


class Migration(migrations.Migration):
    dependencies = [("home", "0001_initial")]

    operations = [migrations.RunPython(create_pages, remove_pages)]
