"""Schedules for training knobs: discount factors (constant, ADS) and horizon curricula (h1)."""

from trainers.schedules.discount import ConstantDiscount, DiscountSchedule, resolve_gamma

__all__ = ["ConstantDiscount", "DiscountSchedule", "resolve_gamma"]
