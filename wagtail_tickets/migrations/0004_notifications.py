"""Outgoing mail: email templates (with the shipped defaults in en, de, nl, it), mail
options, the outbox, and the language of a customer's mail on their ticket profile."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_defaults(apps, schema_editor):
    from wagtail_tickets.notifications.defaults import install_default_templates

    install_default_templates(apps.get_model("wagtail_tickets", "EmailTemplate"))


class Migration(migrations.Migration):

    dependencies = [
        ('wagtail_tickets', '0003_workspace'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MailSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sender_name', models.CharField(blank=True, max_length=100, verbose_name='default sender name')),
                ('sender_email', models.EmailField(blank=True, help_text="Empty: the site's DEFAULT_FROM_EMAIL.", max_length=254, verbose_name='default sender address')),
                ('subject_template', models.CharField(default='{ticket:subject}', help_text='Used when a template has no subject. “[ts #number]” is always in front.', max_length=255, verbose_name='subject template')),
                ('template_language', models.CharField(blank=True, help_text="Language of mail to customers who have not chosen their own (empty: the site's LANGUAGE_CODE).", max_length=10, verbose_name='template language')),
            ],
            options={
                'verbose_name': 'ticket mail options',
            },
        ),
        migrations.AddField(
            model_name='ticketprofile',
            name='language',
            field=models.CharField(blank=True, help_text="Empty: the site's template language for customer mail.", max_length=10, verbose_name='language of ticket mail'),
        ),
        migrations.CreateModel(
            name='PendingNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=20)),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('built_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtail_tickets.message')),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtail_tickets.ticket')),
            ],
            options={
                'verbose_name': 'pending notification',
                'verbose_name_plural': 'pending notifications',
                'ordering': ['pk'],
            },
        ),
        migrations.CreateModel(
            name='EmailTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('default_reply', 'Default reply (an agent answers the customer)'), ('auto_reply', 'Auto reply (the customer opened a ticket)'), ('created_for_customer', 'Ticket created for customer (an agent opened it)'), ('created_for_agent', "Ticket created, for agents (the type's list)"), ('claimed', 'Ticket claimed (to the customer)'), ('status_changed', 'Status changed (to the customer)'), ('fields_changed', 'Fields changed (to the customer)'), ('customer_replied', 'Customer replied (to the assignee)')], max_length=30, verbose_name='kind')),
                ('language', models.CharField(blank=True, help_text='Language code such as en, de, nl or it; empty means any language.', max_length=10, verbose_name='language')),
                ('subject', models.CharField(blank=True, help_text='Empty: the subject option (default: the ticket subject). “[ts #number]” is always put in front.', max_length=255, verbose_name='subject')),
                ('body', models.TextField(help_text='Plain text with variables such as {contact:first_name} and {MESSAGE}.', max_length=20000, verbose_name='text')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='last change')),
                ('ticket_type', models.ForeignKey(blank=True, help_text='Leave empty to use this template for every type without its own.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='email_templates', to='wagtail_tickets.tickettype', verbose_name='ticket type')),
            ],
            options={
                'verbose_name': 'email template',
                'verbose_name_plural': 'email templates',
                'ordering': ['kind', 'ticket_type', 'language', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('kind', 'ticket_type', 'language'), name='wagtail_tickets_one_email_template'), models.UniqueConstraint(condition=models.Q(('ticket_type__isnull', True)), fields=('kind', 'language'), name='wagtail_tickets_one_default_email_template')],
            },
        ),
        migrations.CreateModel(
            name='OutgoingMail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('default_reply', 'Default reply (an agent answers the customer)'), ('auto_reply', 'Auto reply (the customer opened a ticket)'), ('created_for_customer', 'Ticket created for customer (an agent opened it)'), ('created_for_agent', "Ticket created, for agents (the type's list)"), ('claimed', 'Ticket claimed (to the customer)'), ('status_changed', 'Status changed (to the customer)'), ('fields_changed', 'Fields changed (to the customer)'), ('customer_replied', 'Customer replied (to the assignee)')], max_length=30, verbose_name='kind')),
                ('language', models.CharField(blank=True, max_length=10, verbose_name='language')),
                ('from_email', models.CharField(max_length=400, verbose_name='from')),
                ('to', models.TextField(help_text='One address per line.', verbose_name='to')),
                ('cc', models.TextField(blank=True, verbose_name='CC')),
                ('reply_to', models.CharField(blank=True, max_length=254, verbose_name='reply to')),
                ('subject', models.CharField(max_length=400, verbose_name='subject')),
                ('body_text', models.TextField(verbose_name='text')),
                ('body_html', models.TextField(verbose_name='HTML')),
                ('message_id', models.CharField(max_length=255, unique=True, verbose_name='Message-ID')),
                ('headers', models.JSONField(blank=True, default=dict, verbose_name='headers')),
                ('state', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], db_index=True, default='pending', max_length=10, verbose_name='state')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='queued')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outgoing_mail', to='wagtail_tickets.ticket', verbose_name='ticket')),
            ],
            options={
                'verbose_name': 'outgoing mail',
                'verbose_name_plural': 'outbox',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['state', 'next_attempt_at'], name='wt_outmail_due'), models.Index(fields=['-created_at', '-id'], name='wt_outmail_created')],
            },
        ),
        migrations.RunPython(install_defaults, migrations.RunPython.noop),
    ]
