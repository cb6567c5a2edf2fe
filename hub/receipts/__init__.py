"""Receipts and shift reports as PDF, in A4 and 80 mm thermal layouts, in Uzbek, Russian or English."""
