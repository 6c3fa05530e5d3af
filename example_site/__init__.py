"""A small Wagtail site showing a real installation of wagtail-tickets."""
