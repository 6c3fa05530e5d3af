import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """Index the articles that are live already (the same words as ``suggestions.py``)."""
    from wagtail_tickets.contrib.helpcentre.suggestions import (
        SUMMARY_WEIGHT,
        TITLE_WEIGHT,
        words_of,
    )

    article_model = apps.get_model("wagtail_tickets_helpcentre", "HelpArticlePage")
    word_model = apps.get_model("wagtail_tickets_helpcentre", "SuggestionWord")
    rows = []
    live = article_model.objects.filter(live=True).only("pk", "locale_id", "title", "summary")
    for article in live.iterator(chunk_size=500):
        weights = dict.fromkeys(words_of(article.summary or ""), SUMMARY_WEIGHT)
        weights.update(dict.fromkeys(words_of(article.title or ""), TITLE_WEIGHT))
        rows.extend(
            word_model(article_id=article.pk, locale_id=article.locale_id, word=w, weight=n)
            for w, n in weights.items()
        )
        if len(rows) >= 10_000:
            word_model.objects.bulk_create(rows, batch_size=500)
            rows = []
    word_model.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets_helpcentre", "0001_help_centre"),
    ]

    operations = [
        migrations.CreateModel(
            name="SuggestionWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=64, verbose_name="word")),
                ("weight", models.PositiveSmallIntegerField(verbose_name="weight")),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestion_words",
                        to="wagtail_tickets_helpcentre.helparticlepage",
                        verbose_name="article",
                    ),
                ),
                (
                    "locale",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        to="wagtailcore.locale",
                        verbose_name="language",
                    ),
                ),
            ],
            options={
                "verbose_name": "suggestion word",
                "verbose_name_plural": "suggestion words",
                "indexes": [
                    models.Index(
                        fields=["locale", "word", "article", "weight"],
                        name="wt_helpcentre_suggest_lookup",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("article", "word"), name="wt_helpcentre_suggestion_word"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
