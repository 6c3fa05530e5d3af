"""The app's tables, as one migration: the migrations of the development versions were
squashed into this initial set before the first release.

The customer model is swappable like the user model (``WAGTAIL_TICKETS_CUSTOMER_MODEL``,
fixed before the first ``migrate``); this migration reads the setting itself, because a
migration never calls the app's live code. The two ``wagtail_tickets.models`` imports are
the references Django keeps to field callables (a file name, a default), not calls.
"""

import django.core.serializers.json
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import wagtail.fields
import wagtail_tickets.models.tickets
import wagtail_tickets.models.workspace
from django.conf import settings
from django.db import migrations, models

CUSTOMER_MODEL = getattr(settings, "WAGTAIL_TICKETS_CUSTOMER_MODEL", None) or settings.AUTH_USER_MODEL


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('wagtailcore', '0070_rename_pagerevision_revision'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(CUSTOMER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Category',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='order')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
            ],
            options={
                'verbose_name': 'category',
                'verbose_name_plural': 'categories',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Mailbox',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('host', models.CharField(max_length=255, verbose_name='IMAP server')),
                ('port', models.PositiveIntegerField(default=993, verbose_name='port')),
                ('security', models.CharField(choices=[('tls', 'TLS (usually port 993)'), ('starttls', 'STARTTLS (usually port 143)'), ('none', 'None (only for a server on the same machine)')], default='tls', max_length=10, verbose_name='security')),
                ('username', models.CharField(max_length=255, verbose_name='user name')),
                ('password', models.CharField(blank=True, max_length=255, verbose_name='password')),
                ('folder', models.CharField(default='INBOX', max_length=255, verbose_name='folder')),
                ('on_closed_reply', models.CharField(choices=[('reopen', 'Reopen the ticket'), ('new', 'Open a new ticket that refers to the closed one')], default='reopen', max_length=10, verbose_name='reply to a closed ticket')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('last_run_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last import')),
                ('last_error', models.TextField(blank=True, editable=False, verbose_name='last error')),
                ('locked_until', models.DateTimeField(blank=True, editable=False, null=True)),
                ('lock_token', models.CharField(blank=True, editable=False, max_length=32)),
            ],
            options={
                'verbose_name': 'mailbox',
                'verbose_name_plural': 'mailboxes',
                'ordering': ['name', 'pk'],
            },
        ),
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
        migrations.CreateModel(
            name='NumberSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=32, unique=True)),
                ('value', models.PositiveBigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'ticket number sequence',
                'verbose_name_plural': 'ticket number sequences',
            },
        ),
        migrations.CreateModel(
            name='Priority',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='order')),
                ('name', models.CharField(max_length=60, unique=True, verbose_name='name')),
                ('colour', models.CharField(default='#5c6f7e', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9a-fA-F]{6}$', 'Enter a colour as #rrggbb, for example #2e7d32.')], verbose_name='colour')),
                ('is_default', models.BooleanField(default=False, verbose_name='default')),
            ],
            options={
                'verbose_name': 'priority',
                'verbose_name_plural': 'priorities',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Rate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='order')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('value', models.DecimalField(decimal_places=2, default=0, max_digits=10, validators=[django.core.validators.MinValueValidator(0)], verbose_name='value per hour')),
                ('active', models.BooleanField(default=True, help_text='Inactive rates are kept for old time records.', verbose_name='active')),
            ],
            options={
                'verbose_name': 'rate',
                'verbose_name_plural': 'rates',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Status',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='order')),
                ('name', models.CharField(max_length=60, unique=True, verbose_name='name')),
                ('is_closed', models.BooleanField(default=False, help_text='Tickets in this status count as closed.', verbose_name='closed')),
                ('is_default', models.BooleanField(default=False, help_text='New tickets get this status (and closed tickets the closed default).', verbose_name='default')),
                ('colour', models.CharField(default='#5c6f7e', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9a-fA-F]{6}$', 'Enter a colour as #rrggbb, for example #2e7d32.')], verbose_name='colour')),
            ],
            options={
                'verbose_name': 'status',
                'verbose_name_plural': 'statuses',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='TicketType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='order')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('description', models.TextField(blank=True, help_text='Shown on hover where the type is chosen.', verbose_name='description')),
                ('visibility', models.CharField(choices=[('own', 'Only their own tickets'), ('company', "Their own and their company's tickets"), ('all', "Tickets of all users (show other users' tickets)")], default='company', help_text='Which tickets of this type a user with read permission sees.', max_length=10, verbose_name='customers see')),
                ('customer_can_choose_priority', models.BooleanField(default=False, verbose_name='customers choose the priority')),
                ('email_to', models.TextField(blank=True, help_text='Addresses told about new tickets of this type, one per line.', verbose_name='email to')),
                ('sender_name', models.CharField(blank=True, max_length=100, verbose_name='alternative sender name')),
                ('sender_email', models.EmailField(blank=True, max_length=254, verbose_name='alternative sender address')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
            ],
            options={
                'verbose_name': 'ticket type',
                'verbose_name_plural': 'ticket types',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='TicketTypeGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='order')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
            ],
            options={
                'verbose_name': 'ticket type group',
                'verbose_name_plural': 'ticket type groups',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='AutoMailRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.CharField(max_length=254)),
                ('sent_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'automatic mail record',
                'verbose_name_plural': 'automatic mail records',
                'indexes': [models.Index(fields=['address', 'sent_at'], name='wt_automail_addr_sent')],
            },
        ),
        migrations.CreateModel(
            name='InboxPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('query', models.CharField(blank=True, max_length=2000, verbose_name='filters and sort')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='ticket_inbox_preference', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'inbox preference',
                'verbose_name_plural': 'inbox preferences',
            },
        ),
        migrations.CreateModel(
            name='Message',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('author_name', models.CharField(max_length=150, verbose_name='author')),
                ('author_email', models.EmailField(blank=True, max_length=254, verbose_name='author email')),
                ('is_staff', models.BooleanField(default=False, verbose_name='from staff')),
                ('is_internal', models.BooleanField(default=False, verbose_name='internal note')),
                ('body_html', models.TextField(verbose_name='message')),
                ('body_text', models.TextField(blank=True, verbose_name='message as text')),
                ('source', models.CharField(choices=[('web', 'Web'), ('admin', 'Admin'), ('email', 'Email'), ('system', 'System')], default='web', max_length=10)),
                ('message_id', models.CharField(blank=True, db_index=True, max_length=255, verbose_name='Message-ID')),
                ('hours', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='hours')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='sent')),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='ticket_messages', to=settings.AUTH_USER_MODEL)),
                ('rate', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='messages', to='wagtail_tickets.rate', verbose_name='rate')),
            ],
            options={
                'verbose_name': 'message',
                'verbose_name_plural': 'messages',
                'ordering': ['created_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(max_length=255, upload_to=wagtail_tickets.models.tickets.attachment_upload_to, verbose_name='file')),
                ('filename', models.CharField(max_length=255, verbose_name='file name')),
                ('content_type', models.CharField(max_length=100, verbose_name='content type')),
                ('size', models.PositiveBigIntegerField(verbose_name='size')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='wagtail_tickets.message')),
            ],
            options={
                'verbose_name': 'attachment',
                'verbose_name_plural': 'attachments',
                'ordering': ['pk'],
            },
        ),
        migrations.CreateModel(
            name='QuarantinedMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uidvalidity', models.PositiveBigIntegerField(blank=True, null=True)),
                ('uid', models.PositiveBigIntegerField(blank=True, null=True)),
                ('key', models.CharField(db_index=True, max_length=64)),
                ('message_id', models.CharField(blank=True, max_length=255, verbose_name='Message-ID')),
                ('sender', models.CharField(blank=True, max_length=255, verbose_name='sender')),
                ('subject', models.CharField(blank=True, max_length=255, verbose_name='subject')),
                ('reason', models.TextField(verbose_name='reason')),
                ('raw', models.BinaryField(verbose_name='raw message')),
                ('size', models.PositiveBigIntegerField(verbose_name='size')),
                ('attempts', models.PositiveIntegerField(default=1, verbose_name='attempts')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='received')),
                ('last_attempt_at', models.DateTimeField(auto_now=True, verbose_name='last attempt')),
                ('mailbox', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='quarantine', to='wagtail_tickets.mailbox', verbose_name='mailbox')),
            ],
            options={
                'verbose_name': 'quarantined email',
                'verbose_name_plural': 'quarantined emails',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Ticket',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=32, unique=True, verbose_name='number')),
                ('subject', models.CharField(max_length=255, verbose_name='subject')),
                ('requester_name', models.CharField(blank=True, max_length=150, verbose_name='requester name')),
                ('requester_email', models.EmailField(blank=True, max_length=254, verbose_name='requester email')),
                ('cc', models.TextField(blank=True, help_text='Addresses told about updates, one per line.', verbose_name='CC addresses')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='opened')),
                ('updated_at', models.DateTimeField(auto_now_add=True, verbose_name='last update')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('target_date', models.DateField(blank=True, null=True, verbose_name='target date')),
                ('first_response_at', models.DateTimeField(blank=True, null=True, verbose_name='first response')),
                ('last_message_at', models.DateTimeField(blank=True, null=True, verbose_name='last message')),
                ('last_message_by_staff', models.BooleanField(default=False)),
                ('is_open', models.BooleanField(default=True, editable=False, verbose_name='open')),
                ('assignee', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets_assigned', to=settings.AUTH_USER_MODEL, verbose_name='assignee')),
                ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='wagtail_tickets.category', verbose_name='category')),
                ('customer', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=CUSTOMER_MODEL, verbose_name='customer')),
                ('priority', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='wagtail_tickets.priority', verbose_name='priority')),
                ('requester', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets_requested', to=settings.AUTH_USER_MODEL, verbose_name='requester')),
                ('status', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='wagtail_tickets.status', verbose_name='status')),
                ('ticket_type', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='wagtail_tickets.tickettype', verbose_name='type')),
            ],
            options={
                'verbose_name': 'ticket',
                'verbose_name_plural': 'tickets',
                'ordering': ['-updated_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='PendingNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=20)),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('link', models.CharField(blank=True, max_length=500)),
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
        migrations.AddField(
            model_name='message',
            name='ticket',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='wagtail_tickets.ticket'),
        ),
        migrations.CreateModel(
            name='InboundMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, unique=True)),
                ('message_id', models.CharField(blank=True, db_index=True, max_length=255, verbose_name='Message-ID')),
                ('content_hash', models.CharField(max_length=64, verbose_name='content hash')),
                ('uidvalidity', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='UIDVALIDITY')),
                ('uid', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='UID')),
                ('sender', models.CharField(blank=True, max_length=255, verbose_name='sender')),
                ('subject', models.CharField(blank=True, max_length=255, verbose_name='subject')),
                ('outcome', models.CharField(choices=[('opened', 'New ticket'), ('reply', 'Reply'), ('ignored', 'Ignored'), ('quarantined', 'Quarantined')], max_length=12, verbose_name='outcome')),
                ('reason', models.CharField(blank=True, max_length=255, verbose_name='reason')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='imported')),
                ('mailbox', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='ledger', to='wagtail_tickets.mailbox', verbose_name='mailbox')),
                ('ticket_message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtail_tickets.message')),
                ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtail_tickets.ticket')),
            ],
            options={
                'verbose_name': 'imported email',
                'verbose_name_plural': 'imported emails',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ExternalAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_hash', models.CharField(max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='external_links', to='wagtail_tickets.ticket')),
            ],
            options={
                'verbose_name': 'private ticket link',
                'verbose_name_plural': 'private ticket links',
            },
        ),
        migrations.CreateModel(
            name='TicketLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.TextField()),
                ('action', models.CharField(blank=True, db_index=True, max_length=255)),
                ('data', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ('timestamp', models.DateTimeField(db_index=True, verbose_name='timestamp (UTC)')),
                ('uuid', models.UUIDField(blank=True, editable=False, help_text='Log entries that happened as part of the same user action are assigned the same UUID', null=True)),
                ('content_changed', models.BooleanField(db_index=True, default=False)),
                ('deleted', models.BooleanField(default=False)),
                ('content_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype', verbose_name='content type')),
                ('revision', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='wagtailcore.revision')),
                ('ticket', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='log_entries', to='wagtail_tickets.ticket')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'ticket log entry',
                'verbose_name_plural': 'ticket log entries',
                'ordering': ['-timestamp', '-id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='TicketProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('display_name', models.CharField(blank=True, help_text='Shown as the sender of your messages, e.g. your company name or a nickname.', max_length=100, verbose_name='display name in tickets')),
                ('language', models.CharField(blank=True, help_text="Empty: the site's template language for customer mail.", max_length=10, verbose_name='language of ticket mail')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='ticket_profile', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'ticket profile',
                'verbose_name_plural': 'ticket profiles',
            },
        ),
        migrations.CreateModel(
            name='TicketSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('auto_close_days', models.PositiveIntegerField(default=0, help_text="Close tickets that waited this many days for the customer's answer; 0 never closes them.", verbose_name='close automatically after days')),
                ('customers_may_close', models.BooleanField(default=wagtail_tickets.models.workspace.default_customers_may_close, verbose_name='customers may close their tickets')),
                ('customers_may_choose_priority', models.BooleanField(default=False, help_text='On every type; a type can also allow it on its own.', verbose_name='customers may choose the priority')),
                ('never_auto_close_status', models.ForeignKey(blank=True, help_text='Tickets in this status stay open however long they wait.', limit_choices_to={'is_closed': False}, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtail_tickets.status', verbose_name='never close automatically in status')),
            ],
            options={
                'verbose_name': 'ticket options',
                'verbose_name_plural': 'ticket options',
            },
        ),
        migrations.CreateModel(
            name='TicketCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('count', models.BigIntegerField(default=0)),
                ('status', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtail_tickets.status')),
                ('ticket_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtail_tickets.tickettype')),
            ],
            options={
                'verbose_name': 'ticket counter',
                'verbose_name_plural': 'ticket counters',
            },
        ),
        migrations.CreateModel(
            name='ResponseTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='order')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('body', wagtail.fields.RichTextField(blank=True, verbose_name='text')),
                ('is_default', models.BooleanField(default=False, help_text='Put into the reply box when an agent opens a ticket.', verbose_name='default')),
                ('types', models.ManyToManyField(blank=True, help_text='Offered only on tickets of these types; none means every type.', related_name='response_templates', to='wagtail_tickets.tickettype', verbose_name='ticket types')),
            ],
            options={
                'verbose_name': 'response template',
                'verbose_name_plural': 'response templates',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='mailbox',
            name='ticket_type',
            field=models.ForeignKey(help_text='New tickets from this mailbox get this type.', on_delete=django.db.models.deletion.CASCADE, related_name='mailboxes', to='wagtail_tickets.tickettype', verbose_name='ticket type'),
        ),
        migrations.CreateModel(
            name='ExternalPageSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('enabled', models.BooleanField(default=False, help_text='Off: the external page answers “not found”.', verbose_name='enable the external page')),
                ('allow_anonymous', models.BooleanField(default=False, help_text='Visitors open tickets with their name and email address, without an account, and follow them through a private link. Off: visitors must log in.', verbose_name='allow anonymous users')),
                ('alternative_url', models.CharField(blank=True, help_text='The address of the page on your website that embeds the external page. Links in mail point there (with “#ticket=…” added) instead of to this site.', max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='alternative URL')),
                ('custom_css', models.TextField(blank=True, help_text='Style rules added after the default look, e.g. your colours and fonts.', verbose_name='custom CSS')),
                ('offered_types', models.ManyToManyField(blank=True, help_text='Types visitors can choose on the external page. Logged-in users see those of them they may open tickets on.', related_name='+', to='wagtail_tickets.tickettype', verbose_name='offered types')),
            ],
            options={
                'verbose_name': 'external ticket page',
                'verbose_name_plural': 'external ticket page',
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
            },
        ),
        migrations.AddField(
            model_name='tickettype',
            name='group',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='types', to='wagtail_tickets.tickettypegroup', verbose_name='type group'),
        ),
        migrations.CreateModel(
            name='TypePermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(choices=[(10, 'Read (own tickets)'), (20, 'Create'), (30, 'Write (reply and close)'), (40, 'Delete (own tickets)'), (50, 'Manage (agent)')], verbose_name='level')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ticket_type_permissions', to='auth.group')),
                ('ticket_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='group_permissions', to='wagtail_tickets.tickettype')),
            ],
            options={
                'verbose_name': 'ticket type permission',
                'verbose_name_plural': 'ticket type permissions',
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
        migrations.AddIndex(
            model_name='message',
            index=models.Index(fields=['ticket', 'created_at'], name='wt_message_ticket_created'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('hours__isnull', False)), fields=['ticket', 'author', 'rate', 'author_name', 'created_at', 'hours'], name='wt_message_report_hours'),
        ),
        migrations.AddIndex(
            model_name='inboundmessage',
            index=models.Index(fields=['mailbox', 'uidvalidity', 'uid'], name='wt_inbound_uid'),
        ),
        migrations.AddIndex(
            model_name='ticketlogentry',
            index=models.Index(fields=['uuid', 'action', '-timestamp'], name='wagtail_tic_uuid_3576aa_idx'),
        ),
        migrations.AddConstraint(
            model_name='ticketcounter',
            constraint=models.UniqueConstraint(fields=('ticket_type', 'status'), name='wt_counter_unique'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['requester', '-updated_at', '-id'], name='wt_ticket_requester_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['customer', '-updated_at', '-id'], name='wt_ticket_customer_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['ticket_type', '-updated_at', '-id'], name='wt_ticket_type_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['status', '-updated_at', '-id'], name='wt_ticket_status_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['assignee', '-updated_at', '-id'], name='wt_ticket_assignee_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['-updated_at', '-id'], name='wt_ticket_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['requester', 'is_open'], include=('ticket_type',), name='wt_ticket_requester_state'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['customer', 'is_open'], include=('ticket_type', 'requester'), name='wt_ticket_customer_state'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['priority', '-updated_at', '-id'], name='wt_ticket_priority_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['created_at'], name='wt_ticket_created'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('closed_at__isnull', False)), fields=['closed_at'], name='wt_ticket_closed'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['-updated_at', '-id'], name='wt_ticket_open_upd'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['assignee'], name='wt_ticket_open_assignee'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['target_date'], name='wt_ticket_open_target'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True), ('last_message_by_staff', True)), fields=['last_message_at'], name='wt_ticket_open_awaiting'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['created_at', 'ticket_type', 'status', 'first_response_at'], name='wt_ticket_report_opened'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', False)), fields=['closed_at', 'ticket_type', 'assignee', 'created_at'], name='wt_ticket_report_closed'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['ticket_type', 'assignee', 'target_date'], name='wt_ticket_report_open'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(django.db.models.functions.text.Upper('requester_email'), condition=models.Q(('is_open', True)), name='wt_ticket_open_email'),
        ),
        migrations.AddConstraint(
            model_name='emailtemplate',
            constraint=models.UniqueConstraint(fields=('kind', 'ticket_type', 'language'), name='wagtail_tickets_one_email_template'),
        ),
        migrations.AddConstraint(
            model_name='emailtemplate',
            constraint=models.UniqueConstraint(condition=models.Q(('ticket_type__isnull', True)), fields=('kind', 'language'), name='wagtail_tickets_one_default_email_template'),
        ),
        migrations.AddConstraint(
            model_name='typepermission',
            constraint=models.UniqueConstraint(fields=('group', 'ticket_type'), name='wagtail_tickets_one_level_per_group_type'),
        ),
    ]
