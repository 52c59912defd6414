from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_office_models"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactidentity",
            name="profile_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
