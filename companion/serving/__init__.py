"""The serving path: what later lessons deploy. Imports neither torch nor transformers."""

from .predictor import EmptyTextError, OnnxSentimentPredictor, Prediction

__all__ = ["EmptyTextError", "OnnxSentimentPredictor", "Prediction"]
