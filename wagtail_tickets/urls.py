app_name = "wagtail_tickets"

urlpatterns: list = []
