from .confusion import confusion_report, plot_confusion_report, predict_with_zero_shot

__all__ = ['confusion_report', 'plot_confusion_report', 'predict_with_zero_shot']
