from .confusion import (confusion_report, error_flow_figure, per_class_accuracy_figure,
                        plot_confusion_report, predict_with_zero_shot, zero_shot_k)

__all__ = ['confusion_report', 'error_flow_figure', 'per_class_accuracy_figure',
           'plot_confusion_report', 'predict_with_zero_shot', 'zero_shot_k']
