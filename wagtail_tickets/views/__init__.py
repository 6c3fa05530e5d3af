"""Views of wagtail-tickets: the customer area and permission-checked attachment downloads."""
